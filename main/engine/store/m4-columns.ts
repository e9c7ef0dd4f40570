/**
 * M4 accumulated straight into typed arrays, one slot per pixel column: first, min, max
 * and last per column, each with its time and quality. It takes raw points and rollup
 * aggregates alike, in any order, so a window answers in one pass over what it reads
 * without building per-point objects.
 */
import type { Columns } from '../../../common/downsample';

export class M4Columns {
  private readonly count: Uint32Array;
  private readonly firstTs: Float64Array;
  private readonly first: Float64Array;
  private readonly firstQ: Uint8Array;
  private readonly lastTs: Float64Array;
  private readonly last: Float64Array;
  private readonly lastQ: Uint8Array;
  private readonly minTs: Float64Array;
  private readonly min: Float64Array;
  private readonly minQ: Uint8Array;
  private readonly maxTs: Float64Array;
  private readonly max: Float64Array;
  private readonly maxQ: Uint8Array;
  /** first null reading per column (NaN if none), kept so gaps stay visible */
  private readonly nullTs: Float64Array;
  private readonly nullQ: Uint8Array;

  constructor(
    private readonly origin: number,
    private readonly columnMs: number,
    private readonly columns: number,
  ) {
    this.count = new Uint32Array(columns);
    this.firstTs = new Float64Array(columns);
    this.first = new Float64Array(columns);
    this.firstQ = new Uint8Array(columns);
    this.lastTs = new Float64Array(columns);
    this.last = new Float64Array(columns);
    this.lastQ = new Uint8Array(columns);
    this.minTs = new Float64Array(columns);
    this.min = new Float64Array(columns);
    this.minQ = new Uint8Array(columns);
    this.maxTs = new Float64Array(columns);
    this.max = new Float64Array(columns);
    this.maxQ = new Uint8Array(columns);
    this.nullTs = new Float64Array(columns).fill(Number.NaN);
    this.nullQ = new Uint8Array(columns);
  }

  columnOf(t: number): number {
    const c = Math.floor((t - this.origin) / this.columnMs);
    return c < 0 ? 0 : c >= this.columns ? this.columns - 1 : c;
  }

  addPoint(t: number, v: number, q: number): void {
    const c = this.columnOf(t);
    if (Number.isNaN(v)) {
      const n = this.nullTs[c]!;
      if (Number.isNaN(n) || t < n) {
        this.nullTs[c] = t;
        this.nullQ[c] = q;
      }
      return;
    }
    this.addAggregate(c, t, v, q, t, v, q, t, v, q, t, v, q);
  }

  /** A bucket's aggregate (first/min/max/last with their times), merged into its column. */
  addAggregate(
    c: number,
    firstTs: number,
    first: number,
    firstQ: number,
    minTs: number,
    min: number,
    minQ: number,
    maxTs: number,
    max: number,
    maxQ: number,
    lastTs: number,
    last: number,
    lastQ: number,
  ): void {
    if (this.count[c] === 0) {
      this.count[c] = 1;
      this.firstTs[c] = firstTs;
      this.first[c] = first;
      this.firstQ[c] = firstQ;
      this.minTs[c] = minTs;
      this.min[c] = min;
      this.minQ[c] = minQ;
      this.maxTs[c] = maxTs;
      this.max[c] = max;
      this.maxQ[c] = maxQ;
      this.lastTs[c] = lastTs;
      this.last[c] = last;
      this.lastQ[c] = lastQ;
      return;
    }
    this.count[c]!++;
    if (firstTs < this.firstTs[c]!) {
      this.firstTs[c] = firstTs;
      this.first[c] = first;
      this.firstQ[c] = firstQ;
    }
    if (lastTs > this.lastTs[c]!) {
      this.lastTs[c] = lastTs;
      this.last[c] = last;
      this.lastQ[c] = lastQ;
    }
    // ties go to the earlier reading, as a left-to-right scan of raw data would pick
    if (min < this.min[c]! || (min === this.min[c] && minTs < this.minTs[c]!)) {
      this.minTs[c] = minTs;
      this.min[c] = min;
      this.minQ[c] = minQ;
    }
    if (max > this.max[c]! || (max === this.max[c] && maxTs < this.maxTs[c]!)) {
      this.maxTs[c] = maxTs;
      this.max[c] = max;
      this.maxQ[c] = maxQ;
    }
  }

  result(): Columns {
    const out: Columns = { ts: [], values: [], quality: [] };
    const t = [0, 0, 0, 0, 0];
    const v = [0, 0, 0, 0, 0];
    const q = [0, 0, 0, 0, 0];
    for (let c = 0; c < this.columns; c++) {
      let k = 0;
      if (this.count[c]! > 0) {
        t[k] = this.firstTs[c]!;
        v[k] = this.first[c]!;
        q[k++] = this.firstQ[c]!;
        t[k] = this.minTs[c]!;
        v[k] = this.min[c]!;
        q[k++] = this.minQ[c]!;
        t[k] = this.maxTs[c]!;
        v[k] = this.max[c]!;
        q[k++] = this.maxQ[c]!;
        t[k] = this.lastTs[c]!;
        v[k] = this.last[c]!;
        q[k++] = this.lastQ[c]!;
      }
      if (!Number.isNaN(this.nullTs[c]!)) {
        t[k] = this.nullTs[c]!;
        v[k] = Number.NaN;
        q[k++] = this.nullQ[c]!;
      }
      // at most five points: insertion sort by time, then drop repeats of the same reading
      for (let i = 1; i < k; i++) {
        for (let j = i; j > 0 && t[j - 1]! > t[j]!; j--) {
          [t[j - 1], t[j]] = [t[j]!, t[j - 1]!];
          [v[j - 1], v[j]] = [v[j]!, v[j - 1]!];
          [q[j - 1], q[j]] = [q[j]!, q[j - 1]!];
        }
      }
      for (let i = 0; i < k; i++) {
        if (i > 0 && t[i] === t[i - 1]) continue;
        out.ts.push(t[i]!);
        out.values.push(Number.isNaN(v[i]!) ? null : v[i]!);
        out.quality.push(q[i]!);
      }
    }
    return out;
  }
}
