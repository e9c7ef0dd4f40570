/**
 * A sliding window of one series in bounded memory: a ring of time buckets (1/60 of the
 * window each), every bucket keeping count, sum, min, max, first and last. A window of any
 * reading rate costs the same few kilobytes, and the window edge is exact to one bucket; a
 * bucket is only counted when it starts inside the window, so nothing older ever is.
 */

const FIELDS = 9;
const IDX = 0;
const COUNT = 1;
const SUM = 2;
const MIN = 3;
const MAX = 4;
const FIRST_TS = 5;
const FIRST = 6;
const LAST_TS = 7;
const LAST = 8;

export const BUCKETS_PER_WINDOW = 60;

export interface WindowSummary {
  count: number;
  sum: number;
  min: number;
  max: number;
  firstTs: number;
  first: number;
  lastTs: number;
  last: number;
}

export class BucketWindow {
  readonly bucketMs: number;
  private readonly slots: number;
  /** allocated on the first reading: an instance that never sees one costs nothing */
  private data: Float64Array | undefined;
  /** the newest bucket index written */
  private newest = Number.NEGATIVE_INFINITY;
  /** totals of the buckets [olderFrom, olderTo) */
  private readonly older: WindowSummary = {
    count: 0,
    sum: 0,
    min: 0,
    max: 0,
    firstTs: 0,
    first: 0,
    lastTs: 0,
    last: 0,
  };
  private olderFrom = Number.NaN;
  private olderTo = Number.NaN;
  private readonly scratch: WindowSummary = {
    count: 0,
    sum: 0,
    min: 0,
    max: 0,
    firstTs: 0,
    first: 0,
    lastTs: 0,
    last: 0,
  };

  constructor(readonly windowMs: number) {
    this.bucketMs = Math.max(1, Math.ceil(windowMs / BUCKETS_PER_WINDOW));
    // the buckets a window spans, plus the one it starts in part-way
    this.slots = BUCKETS_PER_WINDOW + 2;
  }

  add(ts: number, reading: number): void {
    if (!Number.isFinite(reading) || !Number.isFinite(ts)) return;
    // -0 would come back from JSON as 0: a restored window must answer exactly the same
    const value = reading + 0;
    const idx = Math.floor(ts / this.bucketMs);
    const data = this.storage();
    const at = (((idx % this.slots) + this.slots) % this.slots) * FIELDS;
    const held = data[at + IDX]!;
    // older than the ring reaches: outside any window it can still answer
    if (held > idx || idx <= this.newest - this.slots) return;
    // a late reading in the kept totals, or a new bucket that may reuse the slot of one of them
    if (idx < this.olderTo || idx > this.newest) this.olderTo = Number.NaN;
    if (idx > this.newest) this.newest = idx;
    if (held < idx || data[at + COUNT] === 0) {
      data[at + IDX] = idx;
      data[at + COUNT] = 1;
      data[at + SUM] = value;
      data[at + MIN] = value;
      data[at + MAX] = value;
      data[at + FIRST_TS] = ts;
      data[at + FIRST] = value;
      data[at + LAST_TS] = ts;
      data[at + LAST] = value;
      return;
    }
    data[at + COUNT]!++;
    data[at + SUM]! += value;
    if (value < data[at + MIN]!) data[at + MIN] = value;
    if (value > data[at + MAX]!) data[at + MAX] = value;
    if (ts < data[at + FIRST_TS]!) {
      data[at + FIRST_TS] = ts;
      data[at + FIRST] = value;
    }
    if (ts >= data[at + LAST_TS]!) {
      data[at + LAST_TS] = ts;
      data[at + LAST] = value;
    }
  }

  /**
   * The readings in (about) [now − windowMs, now]; null when there are none. The object is
   * reused by the next call: read it, do not keep it. The buckets before the newest are
   * totalled once and kept until the window moves or a late reading lands in them, so a
   * window with many readings per bucket is not re-added on every reading; they are always
   * added oldest first, so a kept total and a fresh one (after a restart) are the same number.
   */
  summary(now: number): WindowSummary | null {
    const data = this.data;
    if (!data) return null;
    const fromIdx = Math.max(Math.ceil((now - this.windowMs) / this.bucketMs), this.newest - this.slots + 1);
    const toIdx = Math.min(Math.floor(now / this.bucketMs), this.newest);
    if (fromIdx > toIdx) return null;
    const older = this.older;
    if (this.olderFrom !== fromIdx || this.olderTo !== toIdx) {
      older.count = 0;
      for (let k = fromIdx; k < toIdx; k++) merge(older, data, this.slotOf(k), k);
      this.olderFrom = fromIdx;
      this.olderTo = toIdx;
    }
    const out = this.scratch;
    out.count = 0;
    if (older.count > 0) Object.assign(out, older);
    merge(out, data, this.slotOf(toIdx), toIdx);
    return out.count > 0 ? out : null;
  }

  /**
   * The first and last readings in the window, as summary() would give them, found from
   * the window's two ends inward: one or two steps when readings are dense, where summary()
   * visits every bucket. Reuses the same object as summary().
   */
  edges(now: number): Pick<WindowSummary, 'firstTs' | 'first' | 'lastTs' | 'last'> | null {
    const data = this.data;
    if (!data) return null;
    const fromIdx = Math.max(Math.ceil((now - this.windowMs) / this.bucketMs), this.newest - this.slots + 1);
    const toIdx = Math.min(Math.floor(now / this.bucketMs), this.newest);
    let first = -1;
    for (let k = fromIdx; k <= toIdx; k++) {
      const at = this.slotOf(k);
      if (data[at + IDX] === k && data[at + COUNT]! > 0) {
        first = at;
        break;
      }
    }
    if (first < 0) return null;
    let last = first;
    for (let k = toIdx; k > fromIdx; k--) {
      const at = this.slotOf(k);
      if (data[at + IDX] === k && data[at + COUNT]! > 0) {
        last = at;
        break;
      }
    }
    const out = this.scratch;
    out.firstTs = data[first + FIRST_TS]!;
    out.first = data[first + FIRST]!;
    out.lastTs = data[last + LAST_TS]!;
    out.last = data[last + LAST]!;
    return out;
  }

  private slotOf(idx: number): number {
    return (((idx % this.slots) + this.slots) % this.slots) * FIELDS;
  }

  /** the non-empty buckets, as plain numbers */
  save(): number[][] {
    const out: number[][] = [];
    const data = this.data;
    if (!data) return out;
    for (let at = 0; at < data.length; at += FIELDS) {
      if (data[at + COUNT]! > 0) out.push(Array.from(data.subarray(at, at + FIELDS)));
    }
    return out;
  }

  restore(state: unknown): void {
    this.data = undefined;
    this.newest = Number.NEGATIVE_INFINITY;
    this.olderTo = Number.NaN;
    if (!Array.isArray(state)) return;
    for (const row of state.slice(0, this.slots)) {
      if (
        !Array.isArray(row) ||
        row.length !== FIELDS ||
        !row.every((n) => typeof n === 'number' && Number.isFinite(n))
      )
        continue;
      const idx = row[IDX] as number;
      if (!Number.isInteger(idx) || (row[COUNT] as number) < 1) continue;
      const data = this.storage();
      data.set(row as number[], (((idx % this.slots) + this.slots) % this.slots) * FIELDS);
      if (idx > this.newest) this.newest = idx;
    }
  }

  private storage(): Float64Array {
    if (this.data) return this.data;
    const data = new Float64Array(this.slots * FIELDS);
    for (let at = 0; at < data.length; at += FIELDS) data[at + IDX] = Number.NEGATIVE_INFINITY;
    this.data = data;
    return data;
  }
}

/** Adds bucket `k` (at `at`) to `into`, if the slot holds that bucket; buckets come oldest first. */
function merge(into: WindowSummary, data: Float64Array, at: number, k: number): void {
  const count = data[at + COUNT]!;
  if (data[at + IDX] !== k || count === 0) return;
  if (into.count === 0) {
    into.count = count;
    into.sum = data[at + SUM]!;
    into.min = data[at + MIN]!;
    into.max = data[at + MAX]!;
    into.firstTs = data[at + FIRST_TS]!;
    into.first = data[at + FIRST]!;
  } else {
    into.count += count;
    into.sum += data[at + SUM]!;
    if (data[at + MIN]! < into.min) into.min = data[at + MIN]!;
    if (data[at + MAX]! > into.max) into.max = data[at + MAX]!;
  }
  into.lastTs = data[at + LAST_TS]!;
  into.last = data[at + LAST]!;
}
