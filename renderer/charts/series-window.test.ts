import { describe, expect, test } from 'vitest';
import {
  createSeriesWindow,
  insertPoints,
  lowerBound,
  type PointBatch,
  pointsAfter,
  type SeriesWindow,
  trimAfter,
  trimBefore,
} from './series-window';

function batchOf(points: [number, number | null, number?][]): PointBatch {
  return {
    ts: points.map((p) => p[0]),
    values: points.map((p) => p[1]),
    quality: points.map((p) => p[2] ?? 0),
  };
}

function pointsOf(series: SeriesWindow): [number, number | null, number][] {
  return series.ts.map((t, i) => [t, series.values[i] as number | null, series.quality[i] as number]);
}

/** The obvious, slow definition the fast paths must agree with. */
function reference(batches: PointBatch[]): [number, number | null, number][] {
  const byTs = new Map<number, [number, number | null, number]>();
  for (const b of batches) {
    for (let i = 0; i < b.ts.length; i++) {
      byTs.set(b.ts[i] as number, [b.ts[i] as number, b.values[i] as number | null, b.quality[i] as number]);
    }
  }
  return [...byTs.values()].sort((a, b) => a[0] - b[0]);
}

describe('insertPoints', () => {
  test('appends points newer than everything held', () => {
    const s = createSeriesWindow();
    insertPoints(
      s,
      batchOf([
        [1, 10],
        [2, 20],
      ]),
    );
    insertPoints(s, batchOf([[3, 30]]));
    expect(pointsOf(s)).toEqual([
      [1, 10, 0],
      [2, 20, 0],
      [3, 30, 0],
    ]);
  });

  test('puts a late point in its place by device time', () => {
    const s = createSeriesWindow();
    insertPoints(
      s,
      batchOf([
        [10, 1],
        [30, 3],
      ]),
    );
    insertPoints(s, batchOf([[20, 2, 3]]));
    insertPoints(s, batchOf([[5, 0]]));
    expect(pointsOf(s)).toEqual([
      [5, 0, 0],
      [10, 1, 0],
      [20, 2, 3],
      [30, 3, 0],
    ]);
  });

  test('the same ts twice is one point; the later copy wins', () => {
    const s = createSeriesWindow();
    insertPoints(
      s,
      batchOf([
        [10, 1],
        [20, 2],
      ]),
    );
    insertPoints(s, batchOf([[20, 2.5, 2]]));
    insertPoints(
      s,
      batchOf([
        [10, 1.5],
        [10, 1.75],
      ]),
    );
    expect(pointsOf(s)).toEqual([
      [10, 1.75, 0],
      [20, 2.5, 2],
    ]);
  });

  test('a history query overlapping the live tail merges without duplicates', () => {
    const s = createSeriesWindow();
    insertPoints(
      s,
      batchOf([
        [900, 9],
        [1000, 10],
        [1100, 11],
      ]),
    ); // live arrived first
    const history = batchOf(Array.from({ length: 100 }, (_, i): [number, number] => [i * 10, i]));
    insertPoints(s, history);
    expect(s.ts).toHaveLength(100 + 2);
    expect(s.ts).toEqual([...s.ts].sort((a, b) => a - b));
    expect(pointsOf(s).at(-1)).toEqual([1100, 11, 0]);
  });

  test('ragged columns contribute only their complete points', () => {
    const s = createSeriesWindow();
    insertPoints(s, { ts: [1, 2, 3], values: [1, 2], quality: [0, 0, 0] });
    expect(s.ts).toEqual([1, 2]);
  });

  test('agrees with the slow reference on random out-of-order, duplicated batches', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 50; round++) {
      const s = createSeriesWindow();
      const batches: PointBatch[] = [];
      for (let b = 0; b < 8; b++) {
        const size = Math.floor(random() * 40);
        const points: [number, number | null, number][] = [];
        for (let i = 0; i < size; i++) {
          points.push([
            Math.floor(random() * 200),
            random() < 0.1 ? null : random(),
            Math.floor(random() * 4),
          ]);
        }
        const batch = batchOf(points);
        batches.push(batch);
        insertPoints(s, batch);
      }
      expect(pointsOf(s)).toEqual(reference(batches));
    }
  });
});

describe('trimBefore', () => {
  test('drops points older than the cutoff and keeps the rest', () => {
    const s = createSeriesWindow();
    insertPoints(
      s,
      batchOf([
        [1, 1],
        [2, 2],
        [3, 3],
        [4, 4],
      ]),
    );
    expect(trimBefore(s, 3)).toBe(2);
    expect(pointsOf(s)).toEqual([
      [3, 3, 0],
      [4, 4, 0],
    ]);
    expect(trimBefore(s, 0)).toBe(0);
    expect(trimBefore(s, 100)).toBe(2);
    expect(s.ts).toEqual([]);
  });
});

test('lowerBound', () => {
  expect(lowerBound([], 5)).toBe(0);
  expect(lowerBound([1, 3, 5], 0)).toBe(0);
  expect(lowerBound([1, 3, 5], 3)).toBe(1);
  expect(lowerBound([1, 3, 5], 4)).toBe(2);
  expect(lowerBound([1, 3, 5], 6)).toBe(3);
});

test('pointsAfter copies the newer tail; trimAfter drops it', () => {
  const s = createSeriesWindow();
  insertPoints(
    s,
    batchOf([
      [1000, 1],
      [2000, 2, 3],
      [3000, null, 1],
    ]),
  );
  expect(pointsAfter(s, 1000)).toEqual(
    batchOf([
      [2000, 2, 3],
      [3000, null, 1],
    ]),
  );
  expect(pointsAfter(s, 3000)).toEqual(batchOf([]));
  expect(trimAfter(s, 2000)).toBe(1);
  expect(pointsOf(s)).toEqual([
    [1000, 1, 0],
    [2000, 2, 3],
  ]);
  expect(trimAfter(s, 5000)).toBe(0);
});
