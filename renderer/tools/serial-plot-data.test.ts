import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { DeviceSummary, MetricInfo, QueryResult } from '../../common/contract';
import { ChartData, type ChartSeriesRef, type QueryWindow } from '../charts/chart-data';
import { rangeOf } from '../charts/time-window';
import {
  createPlotWindow,
  DEFAULT_PLOT_WINDOW_MS,
  DEFAULT_SHOWN_FIELDS,
  type PlotField,
  plotFields,
  shownFields,
  toggleField,
} from './serial-plot-data';

const metric = (name: string, unit = ''): MetricInfo => ({ name, unit, min: null, max: null, last: null });

function device(id: string, connectorId: string, metrics: MetricInfo[]): DeviceSummary {
  return {
    id,
    name: id.toUpperCase(),
    kind: 'sensor',
    profile: 'generic',
    transport: 'serial',
    connectorId,
    state: 'online',
    lastSeen: null,
    metrics,
    counters: { readings: 0, duplicates: 0, flagged: 0, nulls: 0, outOfRange: 0, suspect: 0 },
    clockSkewMs: null,
    clockSuspect: false,
  };
}

describe('serial plot fields', () => {
  test("the connector's devices' metrics only; device names only when the port carries several", () => {
    const devices = [
      device('th-1', 'usb0', [metric('temperature', '°C'), metric('humidity', '%')]),
      device('pump', 'mqtt-1', [metric('flow')]),
    ];
    expect(plotFields(devices, 'usb0').map((f) => [f.label, f.unit])).toEqual([
      ['temperature', '°C'],
      ['humidity', '%'],
    ]);
    const two = [...devices, device('th-2', 'usb0', [metric('temperature', '°C')])];
    expect(plotFields(two, 'usb0').map((f) => f.label)).toEqual([
      'TH-1 · temperature',
      'TH-1 · humidity',
      'TH-2 · temperature',
    ]);
    expect(plotFields(devices, 'nothing-here')).toEqual([]);
  });

  test('until the user picks, the first fields are shown and new ones join; then the choice stands', () => {
    const many = device(
      'd',
      'usb0',
      Array.from({ length: DEFAULT_SHOWN_FIELDS + 2 }, (_, i) => metric(`m${i}`)),
    );
    const fields = plotFields([many], 'usb0');
    const keys = (shown: PlotField[]) => shown.map((f) => f.metric);
    expect(keys(shownFields(fields, null))).toHaveLength(DEFAULT_SHOWN_FIELDS);
    expect(keys(shownFields(fields.slice(0, 2), null))).toEqual(['m0', 'm1']);

    // untick m1: everything else shown stays, in field order
    let chosen = toggleField(fields.slice(0, 3), null, fields[1]?.key as string);
    expect(keys(shownFields(fields.slice(0, 3), chosen))).toEqual(['m0', 'm2']);
    // a field that appears later does not sneak in once the user has chosen
    expect(keys(shownFields(fields.slice(0, 4), chosen))).toEqual(['m0', 'm2']);
    // tick it back and a new one
    chosen = toggleField(fields, chosen, fields[3]?.key as string);
    chosen = toggleField(fields, chosen, fields[1]?.key as string);
    expect(keys(shownFields(fields, chosen))).toEqual(['m0', 'm1', 'm2', 'm3']);
    // a field whose device went away is simply not shown
    expect(keys(shownFields(fields.slice(0, 2), chosen))).toEqual(['m0', 'm1']);
    // everything unticked is a choice too
    expect(shownFields(fields, [])).toEqual([]);
  });
});

describe('serial plot window', () => {
  test('its own window: 10 min live by default, presets, select, back to live', () => {
    let now = 1_000_000_000;
    const w = createPlotWindow(undefined, () => now);
    const seen: number[] = [];
    w.subscribe((next) => seen.push(next.window.spanMs));
    expect(w.getState().window).toEqual({ live: true, spanMs: DEFAULT_PLOT_WINDOW_MS, end: 0 });
    w.preset(3_600_000);
    expect(w.getState().window).toMatchObject({ live: true, spanMs: 3_600_000 });
    w.select(now - 30_000, now - 10_000);
    expect(w.getState().window).toEqual({ live: false, spanMs: 20_000, end: now - 10_000 });
    now += 5000;
    w.zoomAt(2);
    expect(w.getState().window.spanMs).toBe(40_000);
    w.live();
    expect(w.getState().window).toMatchObject({ live: true, spanMs: 40_000 });
    expect(seen).toEqual([3_600_000, 20_000, 40_000, 40_000]);
    // two plots never share a window
    expect(createPlotWindow().getState().window.spanMs).toBe(DEFAULT_PLOT_WINDOW_MS);
  });
});

describe('serial plot: history from the store, then the live stream', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const ref: ChartSeriesRef = { deviceId: 'th-1', metric: 'temperature' };
  const result = (points: [number, number][]): QueryResult => ({
    ...ref,
    ts: points.map((p) => p[0]),
    values: points.map((p) => p[1]),
    quality: points.map(() => 0),
    resolution: 'raw',
    columnMs: 1000,
  });
  const batch = (points: [number, number][]) => ({
    ts: points.map((p) => p[0]),
    values: points.map((p) => p[1]),
    quality: points.map(() => 0),
  });

  test('the window is asked for on open; readings arriving meanwhile and after are merged in order, once', async () => {
    const now = 1_700_000_000_000;
    vi.setSystemTime(now);
    const plotWindow = createPlotWindow();
    const asked: QueryWindow[] = [];
    let answer: (r: QueryResult) => void = () => {};
    // the same wiring TimeChart gives ChartData: the plot's window, the plot's width
    const data = new ChartData([ref], {
      query: (_ref, w) => {
        asked.push(w);
        return new Promise((resolve) => {
          answer = resolve;
        });
      },
      window: () => ({ ...rangeOf(plotWindow.getState().window, Date.now()), live: true, pixelWidth: 640 }),
      onData: () => {},
      onLoad: () => {},
    });
    data.invalidate(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(asked).toEqual([{ from: now - 600_000, to: now, live: true, pixelWidth: 640 }]);

    // a reading streams in while history is in flight, one of them also in the history
    data.addLive(0, batch([[now - 1000, 21.9]]));
    // too old for the window: never drawn
    data.addLive(0, batch([[now - 700_000, 5]]));
    answer(
      result([
        [now - 540_000, 20.1],
        [now - 300_000, 20.8],
        [now - 1000, 21.9],
      ]),
    );
    await vi.advanceTimersByTimeAsync(0);
    data.addLive(0, batch([[now + 500, 22.0]]));
    expect(data.series[0]?.ts).toEqual([now - 540_000, now - 300_000, now - 1000, now + 500]);
    expect(data.series[0]?.values).toEqual([20.1, 20.8, 21.9, 22.0]);

    // picking 1 h asks for the hour; the chart re-queries when its window changes
    plotWindow.preset(3_600_000);
    data.invalidate(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(asked[1]).toMatchObject({ from: now - 3_600_000, to: now });
    data.dispose();
  });
});
