/**
 * M4 downsampling: per pixel column keep the first, minimum, maximum and last point.
 * A line chart drawn from those four is pixel-identical to one drawn from every point
 * (Jugel et al., "M4", VLDB 2014), so a chart never needs more than 4 points a pixel.
 */
export interface Columns {
  ts: number[];
  values: (number | null)[];
  quality: number[];
}

/**
 * `ts` must be ascending. Returns at most 4 * buckets points, in time order. Null values
 * (gaps) are kept once per column so the chart still shows the gap.
 */
export function m4(input: Columns, from: number, to: number, buckets: number): Columns {
  const n = input.ts.length;
  if (n <= buckets * 4 || buckets < 1) return input;
  const out: Columns = { ts: [], values: [], quality: [] };
  const span = Math.max(1, to - from + 1);
  let i = 0;
  while (i < n) {
    const column = Math.min(buckets - 1, Math.max(0, Math.floor(((input.ts[i]! - from) * buckets) / span)));
    let j = i;
    let minIdx = -1;
    let maxIdx = -1;
    let nullIdx = -1;
    while (j < n) {
      const c = Math.min(buckets - 1, Math.max(0, Math.floor(((input.ts[j]! - from) * buckets) / span)));
      if (c !== column) break;
      const v = input.values[j];
      if (v === null || v === undefined) {
        if (nullIdx < 0) nullIdx = j;
      } else {
        if (minIdx < 0 || v < (input.values[minIdx] as number)) minIdx = j;
        if (maxIdx < 0 || v > (input.values[maxIdx] as number)) maxIdx = j;
      }
      j++;
    }
    const picks = [i, minIdx, maxIdx, nullIdx, j - 1].filter((k) => k >= 0).sort((a, b) => a - b);
    let previous = -1;
    for (const k of picks) {
      if (k === previous) continue;
      previous = k;
      out.ts.push(input.ts[k]!);
      out.values.push(input.values[k] ?? null);
      out.quality.push(input.quality[k]!);
    }
    i = j;
  }
  return out;
}
