/**
 * The in-memory head of one series: readings accepted since the last compaction, kept
 * sorted by device time. It is where duplicates are caught (same device time, or a
 * numbered message sent again, see MessageNumbers) and where late readings slot into place.
 */
import type { BlockColumns } from './codec/block-codec';
import { MessageNumbers } from './message-numbers';
import { lowerBound } from './sorted-search';

export class SeriesHead {
  ts = new Float64Array(16);
  values = new Float64Array(16);
  quality = new Uint8Array(16);
  seq = new Float64Array(16);
  length = 0;
  /** the current counter run of a numbered series; kept across compactions */
  readonly numbers = new MessageNumbers();

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
  isRetry(seq: number, t: number, value: number, quality: number): boolean {
    return seq >= 0 && this.numbers.isRetry(seq, t, value, quality);
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
    if (seq >= 0) this.numbers.record(seq, t, value, quality);
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
    if (seq >= 0) this.numbers.forget(seq, t);
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

  /** Empties the head after compaction; the counter run is remembered across it. */
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
