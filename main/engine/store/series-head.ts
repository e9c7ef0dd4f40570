/**
 * The in-memory head of one series: readings accepted since the last compaction, kept
 * sorted by device time. It is where duplicates are caught (same device time, or the
 * same message number seen again) and where late readings slot into place.
 */
import type { BlockColumns } from './codec/block-codec';
import { lowerBound } from './sorted-search';

/** a message number seen again this long after the first sighting is a device restart, not a retry */
const SEQ_WINDOW_MS = 10 * 60_000;
/** message numbers remembered per series for dedup */
const SEQ_MEMORY = 4096;

export class SeriesHead {
  ts = new Float64Array(16);
  values = new Float64Array(16);
  quality = new Uint8Array(16);
  seq = new Float64Array(16);
  length = 0;
  private readonly seqSeen = new Map<number, number>();

  get firstTs(): number {
    return this.length > 0 ? this.ts[0]! : Number.NaN;
  }

  get lastTs(): number {
    return this.length > 0 ? this.ts[this.length - 1]! : Number.NaN;
  }

  /** Index of the first point with ts >= t. */
  lowerBound(t: number): number {
    return lowerBound(this.ts, t, this.length);
  }

  hasTs(t: number): boolean {
    const i = this.lowerBound(t);
    return i < this.length && this.ts[i] === t;
  }

  /** A retry of a numbered message, even if the device stamped it anew. */
  isSeqDuplicate(seq: number, t: number): boolean {
    if (seq < 0) return false;
    const seenAt = this.seqSeen.get(seq);
    return seenAt !== undefined && Math.abs(seenAt - t) <= SEQ_WINDOW_MS;
  }

  /** Adds a point known not to be a duplicate. */
  insert(t: number, value: number, quality: number, seq: number): void {
    if (this.length === this.ts.length) this.grow();
    const n = this.length;
    if (n === 0 || t > this.ts[n - 1]!) {
      this.ts[n] = t;
      this.values[n] = value;
      this.quality[n] = quality;
      this.seq[n] = seq;
    } else {
      const i = this.lowerBound(t);
      this.ts.copyWithin(i + 1, i, n);
      this.values.copyWithin(i + 1, i, n);
      this.quality.copyWithin(i + 1, i, n);
      this.seq.copyWithin(i + 1, i, n);
      this.ts[i] = t;
      this.values[i] = value;
      this.quality[i] = quality;
      this.seq[i] = seq;
    }
    this.length = n + 1;
    if (seq >= 0) this.rememberSeq(seq, t);
  }

  /** Takes a point out again (a batch whose write failed). */
  remove(t: number, seq: number): void {
    const i = this.lowerBound(t);
    if (i >= this.length || this.ts[i] !== t) return;
    const n = this.length;
    this.ts.copyWithin(i, i + 1, n);
    this.values.copyWithin(i, i + 1, n);
    this.quality.copyWithin(i, i + 1, n);
    this.seq.copyWithin(i, i + 1, n);
    this.length = n - 1;
    if (seq >= 0 && this.seqSeen.get(seq) === t) this.seqSeen.delete(seq);
  }

  rememberSeq(seq: number, t: number): void {
    this.seqSeen.delete(seq);
    this.seqSeen.set(seq, t);
    if (this.seqSeen.size > SEQ_MEMORY) {
      const oldest = this.seqSeen.keys().next().value;
      if (oldest !== undefined) this.seqSeen.delete(oldest);
    }
  }

  /** A view of the points (no copy); valid until the head changes. */
  columns(from = 0, to = this.length): BlockColumns {
    return {
      ts: this.ts.subarray(from, to),
      values: this.values.subarray(from, to),
      quality: this.quality.subarray(from, to),
      seq: this.seq.subarray(from, to),
    };
  }

  /** Empties the head after compaction; message numbers are remembered across it. */
  clear(): void {
    this.length = 0;
    if (this.ts.length > 4096) {
      this.ts = new Float64Array(16);
      this.values = new Float64Array(16);
      this.quality = new Uint8Array(16);
      this.seq = new Float64Array(16);
    }
  }

  private grow(): void {
    const size = this.ts.length * 2;
    const ts = new Float64Array(size);
    ts.set(this.ts);
    const values = new Float64Array(size);
    values.set(this.values);
    const quality = new Uint8Array(size);
    quality.set(this.quality);
    const seq = new Float64Array(size);
    seq.set(this.seq);
    this.ts = ts;
    this.values = values;
    this.quality = quality;
    this.seq = seq;
  }
}
