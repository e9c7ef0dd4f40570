import { describe, expect, test } from 'vitest';
import { pickResolution, SeriesQuery } from './series-query';
import { batchOf, openStore, type Row } from './test-fixtures';

const T0 = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;

/** M4 the plain way: group raw points by column, keep first, min, max and last of each. */
function referenceM4(ts: number[], values: number[], origin: number, columnMs: number) {
  const byColumn = new Map<number, number[]>();
  ts.forEach((t, i) => {
    const c = Math.floor((t - origin) / columnMs);
    if (!byColumn.has(c)) byColumn.set(c, []);
    byColumn.get(c)!.push(i);
  });
  const out: [number, number][] = [];
  for (const c of [...byColumn.keys()].sort((a, b) => a - b)) {
    const idx = byColumn.get(c)!;
    let min = idx[0]!;
    let max = idx[0]!;
    for (const i of idx) {
      if (values[i]! < values[min]!) min = i;
      if (values[i]! > values[max]!) max = i;
    }
    const picks = [...new Set([idx[0]!, min, max, idx.at(-1)!])].sort((a, b) => a - b);
    for (const i of picks) out.push([ts[i]!, values[i]!]);
  }
  return out;
}

describe('chart queries', () => {
  test('the resolution is the coarsest with at least 2 buckets per pixel', () => {
    expect(pickResolution(0, 7 * DAY, 1000)?.name).toBe('1m');
    expect(pickResolution(0, 365 * DAY, 1000)?.name).toBe('1h');
    expect(pickResolution(0, 10 * 365 * DAY, 1000)?.name).toBe('1d');
    expect(pickResolution(0, 3_600_000, 1000)).toBeNull();
  });

  test('a week from rollups is exactly M4 of the raw readings on the same columns, head data included', () => {
    const { store, db } = openStore();
    const id = store.seriesId('d1', 'm');
    const rows: Row[] = [];
    let state = 7;
    const rand = () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 2 ** 32;
    };
    for (let t = T0; t < T0 + 7 * DAY; t += 5000 + Math.floor(rand() * 20_000)) {
      // spikes now and then, so min and max sit at odd places inside buckets
      const spike = rand() < 0.01 ? (rand() - 0.5) * 1000 : 0;
      rows.push([id, t, Math.round((Math.sin(t / 3e6) * 50 + spike + rand()) * 100) / 100, 0, -1]);
    }
    const cut = Math.floor(rows.length * 0.9);
    store.ingestColumns(batchOf(rows.slice(0, cut)));
    store.flush();
    store.ingestColumns(batchOf(rows.slice(cut)));
    const from = T0 + 3_600_000 + 12_345;
    const to = T0 + 7 * DAY - 1;
    const w = store.query('d1', 'm', from, to, 900);
    expect(w.resolution).toBe('1m');
    expect(w.columnMs % 60_000).toBe(0);
    const origin = Math.floor(from / w.columnMs) * w.columnMs;
    // rollup columns hold whole buckets: the raw reference covers the same whole buckets
    const q = new SeriesQuery(db, store.series);
    const raw = q.raw(id, Math.floor(from / 60_000) * 60_000, to);
    const expected = referenceM4(raw.ts, raw.values as number[], origin, w.columnMs);
    expect(w.ts.map((t, i) => [t, w.values[i]])).toEqual(expected);
    expect(w.ts.length).toBeLessThanOrEqual(4 * 900 + 4);
  });

  test('raw windows keep nulls as gaps and quality per point', () => {
    const { store } = openStore();
    const id = store.seriesId('d1', 'm');
    store.ingestColumns(
      batchOf([
        [id, T0, 1, 0, -1],
        [id, T0 + 1000, Number.NaN, 1, -1],
        [id, T0 + 2000, 99, 2, -1],
      ]),
    );
    const w = store.query('d1', 'm', T0, T0 + 3000, 1000);
    expect(w.resolution).toBe('raw');
    expect(w.values).toEqual([1, null, 99]);
    expect(w.quality).toEqual([0, 1, 2]);
  });

  test('export returns raw readings, oldest first, and says when it was cut', () => {
    const { store } = openStore();
    const id = store.seriesId('d1', 'm');
    store.ingestColumns(
      batchOf(Array.from({ length: 50 }, (_, i): Row => [id, T0 + (49 - i) * 1000, i, 0, -1])),
    );
    const all = store.rawWindow('d1', 'm', T0, T0 + 60_000, 100);
    expect(all.ts).toHaveLength(50);
    expect(all.ts[0]).toBe(T0);
    expect(all.truncated).toBe(false);
    expect(store.rawWindow('d1', 'm', T0, T0 + 60_000, 10)).toMatchObject({ truncated: true });
  });
});
