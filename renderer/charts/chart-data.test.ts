import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { QueryResult } from '../../common/contract';
import { ChartData, type ChartLoad, type ChartSeriesRef, pointsWithin, type QueryWindow } from './chart-data';

interface Call {
  ref: ChartSeriesRef;
  window: QueryWindow;
  resolve(result: Partial<QueryResult>): void;
  reject(error: { code: string; message: string }): void;
}

function answer(
  ref: ChartSeriesRef,
  points: [number, number | null, number?][],
  resolution: QueryResult['resolution'] = 'raw',
): QueryResult {
  return {
    deviceId: ref.deviceId,
    metric: ref.metric,
    ts: points.map((p) => p[0]),
    values: points.map((p) => p[1]),
    quality: points.map((p) => p[2] ?? 0),
    resolution,
    columnMs: 1000,
  };
}

const refs: ChartSeriesRef[] = [{ deviceId: 'th-01', metric: 'temperature' }];

function setup(window: QueryWindow, chartRefs = refs) {
  const calls: Call[] = [];
  const loads: ChartLoad[] = [];
  let current = window;
  const data = new ChartData(chartRefs, {
    query: (ref, w) =>
      new Promise<QueryResult>((resolve, reject) => {
        calls.push({ ref, window: w, resolve: (r) => resolve({ ...answer(ref, []), ...r }), reject });
      }),
    window: () => current,
    onData: () => {},
    onLoad: (load) => loads.push(load),
  });
  return {
    data,
    calls,
    loads,
    setWindow: (w: QueryWindow) => {
      current = w;
    },
  };
}

const ts = (data: ChartData, i = 0) => data.series[i]?.ts;

describe('ChartData', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  test('a burst of window changes makes one query, for the last window, after it settles', async () => {
    const { data, calls, setWindow } = setup({ from: 0, to: 10_000, live: false, pixelWidth: 800 });
    data.invalidate();
    await vi.advanceTimersByTimeAsync(50);
    setWindow({ from: 2_000, to: 8_000, live: false, pixelWidth: 800 });
    data.invalidate();
    await vi.advanceTimersByTimeAsync(99);
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls.map((c) => c.window)).toEqual([{ from: 2_000, to: 8_000, live: false, pixelWidth: 800 }]);
  });

  test('an answer replaces what is held and reports its resolution', async () => {
    const { data, calls, loads } = setup({ from: 0, to: 10_000, live: false, pixelWidth: 800 });
    data.invalidate(0);
    await vi.advanceTimersByTimeAsync(0);
    calls[0]?.resolve(
      answer(refs[0] as ChartSeriesRef, [
        [1000, 1],
        [2000, 2],
      ]),
    );
    await vi.advanceTimersByTimeAsync(0);
    data.invalidate(0);
    await vi.advanceTimersByTimeAsync(0);
    calls[1]?.resolve(answer(refs[0] as ChartSeriesRef, [[5000, 5]], '1m'));
    await vi.advanceTimersByTimeAsync(0);
    expect(ts(data)).toEqual([5000]);
    expect(loads.at(-1)).toEqual({ resolutions: ['1m'], error: null });
  });

  test('an answer to a window no longer shown is dropped', async () => {
    const { data, calls } = setup({ from: 0, to: 10_000, live: false, pixelWidth: 800 });
    data.invalidate(0);
    await vi.advanceTimersByTimeAsync(0);
    data.invalidate(); // the user zoomed while the first was in flight
    calls[0]?.resolve(answer(refs[0] as ChartSeriesRef, [[1000, 1]]));
    await vi.advanceTimersByTimeAsync(0);
    expect(ts(data)).toEqual([]);
    await vi.advanceTimersByTimeAsync(100);
    calls[1]?.resolve(answer(refs[0] as ChartSeriesRef, [[3000, 3]]));
    await vi.advanceTimersByTimeAsync(0);
    expect(ts(data)).toEqual([3000]);
  });

  test('live readings newer than the answer, or arriving while it is in flight, are kept', async () => {
    const { data, calls } = setup({ from: 0, to: 10_000, live: true, pixelWidth: 800 });
    data.addLive(0, { ts: [11_000], values: [11], quality: [0] }); // newer than the query will be
    data.invalidate(0);
    await vi.advanceTimersByTimeAsync(0);
    data.addLive(0, { ts: [9_500, 12_000], values: [9.5, 12], quality: [3, 0] }); // in flight
    calls[0]?.resolve(
      answer(refs[0] as ChartSeriesRef, [
        [1000, 1],
        [9_000, 9],
      ]),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(ts(data)).toEqual([1000, 9_000, 9_500, 11_000, 12_000]);
    expect(data.series[0]?.quality).toEqual([0, 0, 3, 0, 0]);
  });

  test('a fixed window takes only live readings inside it', () => {
    const { data } = setup({ from: 1000, to: 5000, live: false, pixelWidth: 800 });
    data.addLive(0, { ts: [500, 2000, 6000], values: [0, 2, 6], quality: [0, 0, 0] });
    expect(ts(data)).toEqual([2000]);
  });

  test('a live tail grown to a whole answer’s worth of points queries again', async () => {
    const { data, calls } = setup({ from: 0, to: 100_000, live: true, pixelWidth: 10 });
    data.invalidate(0);
    await vi.advanceTimersByTimeAsync(0);
    calls[0]?.resolve(answer(refs[0] as ChartSeriesRef, []));
    await vi.advanceTimersByTimeAsync(0);
    const many = Array.from({ length: 40 }, (_, i) => 1000 + i);
    data.addLive(0, { ts: many, values: many, quality: many.map(() => 0) });
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(1); // 40 points = 4 per pixel: not yet
    data.addLive(0, { ts: [2000], values: [1], quality: [0] });
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(2);
  });

  test('a failed series keeps its data and reports the error; CLOSED is not an error', async () => {
    const two: ChartSeriesRef[] = [...refs, { deviceId: 'th-02', metric: 'temperature' }];
    const { data, calls, loads } = setup({ from: 0, to: 10_000, live: false, pixelWidth: 800 }, two);
    data.invalidate(0);
    await vi.advanceTimersByTimeAsync(0);
    calls[0]?.resolve(answer(two[0] as ChartSeriesRef, [[1000, 1]]));
    calls[1]?.reject({ code: 'INTERNAL', message: 'disk on fire' });
    await vi.advanceTimersByTimeAsync(0);
    expect(loads.at(-1)).toEqual({ resolutions: ['raw', null], error: 'disk on fire' });
    expect(data.points).toBe(1);

    data.invalidate(0);
    await vi.advanceTimersByTimeAsync(0);
    calls[2]?.reject({ code: 'CLOSED', message: 'gone' });
    calls[3]?.reject({ code: 'CLOSED', message: 'gone' });
    await vi.advanceTimersByTimeAsync(0);
    expect(loads.at(-1)?.error).toBeNull();
    expect(data.points).toBe(1);
  });

  test('nothing happens after dispose', async () => {
    const { data, calls } = setup({ from: 0, to: 10_000, live: false, pixelWidth: 800 });
    data.invalidate();
    data.dispose();
    await vi.advanceTimersByTimeAsync(500);
    expect(calls).toHaveLength(0);
  });
});

test('pointsWithin returns the batch itself when nothing falls outside', () => {
  const batch = { ts: [1, 2, 3], values: [1, 2, 3], quality: [0, 0, 0] };
  expect(pointsWithin(batch, 0, 10)).toBe(batch);
  expect(pointsWithin(batch, 2, 2)).toEqual({ ts: [2], values: [2], quality: [0] });
});
