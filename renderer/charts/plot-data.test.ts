import { expect, test } from 'vitest';
import { buildPlotFrame, unionTimes } from './plot-data';
import { createSeriesWindow, insertPoints, type SeriesWindow } from './series-window';

function seriesOf(points: [number, number | null, number?][]): SeriesWindow {
  const s = createSeriesWindow();
  insertPoints(s, {
    ts: points.map((p) => p[0]),
    values: points.map((p) => p[1]),
    quality: points.map((p) => p[2] ?? 0),
  });
  return s;
}

test('one series: seconds on x, good values on the line, flagged as markers, nulls as gaps', () => {
  const frame = buildPlotFrame([
    seriesOf([
      [1000, 20],
      [2000, 20.8, 2],
      [3000, null, 1],
      [4000, 21],
    ]),
  ]);
  expect(frame.data).toEqual([
    [1, 2, 3, 4],
    // the line bridges the flagged point (undefined) and breaks at the null (null)
    [20, undefined, null, 21],
    [undefined, 20.8, undefined, undefined],
  ]);
  expect(frame.quality).toEqual([[0, 2, 1, 0]]);
  expect(frame.values).toEqual([[20, 20.8, null, 21]]);
  expect(frame.points).toBe(4);
});

test('an invalid reading (a reserved GATT value, stored null) is a gap with a marker at the last value', () => {
  const frame = buildPlotFrame([
    seriesOf([
      [1000, null, 4],
      [2000, 20],
      [3000, null, 4],
      [4000, null, 1],
      [5000, 21],
    ]),
  ]);
  expect(frame.data).toEqual([
    [1, 2, 3, 4, 5],
    [null, 20, null, null, 21],
    // nothing drawn before it: no marker; a plain null stays a bare gap
    [undefined, undefined, 20, undefined, undefined],
  ]);
  expect(frame.values).toEqual([[null, 20, null, null, 21]]);
});

test('several series share one x column; a series is undefined where only another has a point', () => {
  const a = seriesOf([
    [1000, 1],
    [3000, 3],
  ]);
  const b = seriesOf([
    [2000, 29, 3],
    [3000, 30],
  ]);
  expect([...unionTimes([a, b])]).toEqual([1000, 2000, 3000]);
  const frame = buildPlotFrame([a, b]);
  expect(frame.data).toEqual([
    [1, 2, 3],
    [1, undefined, 3],
    [undefined, undefined, undefined],
    [undefined, undefined, 30],
    [undefined, 29, undefined],
  ]);
  expect(frame.quality).toEqual([
    [0, undefined, 0],
    [undefined, 3, 0],
  ]);
  expect(frame.points).toBe(4);
});

test('normalized: each series on 0..1 of its own good range, real values kept for the legend', () => {
  const a = seriesOf([
    [1000, 10],
    [2000, 20],
    [3000, 500, 2],
  ]);
  const flat = seriesOf([[1000, 7]]);
  const frame = buildPlotFrame([a, flat], true);
  expect(frame.data[1]).toEqual([0, 1, undefined]);
  expect(frame.data[2]).toEqual([undefined, undefined, 1.2]); // pinned, see below
  expect(frame.data[3]).toEqual([0.5, undefined, undefined]);
  expect(frame.values[0]).toEqual([10, 20, 500]);
});

test('a flagged reading far off the trace is pinned just past it; the legend keeps the real value', () => {
  const frame = buildPlotFrame([
    seriesOf([
      [1000, 20],
      [2000, -999, 2],
      [3000, 30],
      [4000, 31, 3], // close to the trace: drawn where it is
      [5000, 3276.7, 3],
    ]),
  ]);
  expect(frame.data[2]).toEqual([undefined, 18, undefined, 31, 32]);
  expect(frame.values[0]).toEqual([20, -999, 30, 31, 3276.7]);
  // only flagged readings: nothing to keep in view, drawn as they are
  expect(buildPlotFrame([seriesOf([[1000, -999, 2]])]).data[2]).toEqual([-999]);
});

test('no series, or empty ones, give an empty frame', () => {
  expect(buildPlotFrame([]).data).toEqual([[]]);
  expect(buildPlotFrame([createSeriesWindow()]).data).toEqual([[], [], []]);
});
