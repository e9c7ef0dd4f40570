/**
 * Tells a retry from a new message for one numbered series. Devices number their
 * messages, but the counter starts again from 0 whenever they reboot (watchdog, brown-out,
 * power cycle) and, for simulated or gateway-fed devices, whenever the engine restarts.
 * So a number seen before proves nothing on its own. A retry is the same message again:
 * the same number at the same device time (the time dedup catches most of those first),
 * or the same number with the same content re-stamped a little later, before the device
 * sent anything else. A reading with another number between the two in device time means
 * the device moved on (a lower number at a newer device time is a counter reset, a new
 * epoch), so the later one is new, never a duplicate. Only a short recent tail is
 * remembered, in a fixed ring, so memory stays flat however long a device runs.
 */

/** how many recent numbered readings are kept to recognise a retry */
export const RETRY_MEMORY = 64;
/** a re-stamped resend later than this after the original is a new message */
export const RETRY_WINDOW_MS = 10 * 60_000;

export class MessageNumbers {
  private seqs: Float64Array | undefined;
  private ts!: Float64Array;
  private values!: Float64Array;
  private quality!: Uint8Array;
  private size = 0;
  private next = 0;

  /** True when this numbered reading is a retry of one already stored. */
  isRetry(seq: number, t: number, value: number, quality: number): boolean {
    const seqs = this.seqs;
    if (!seqs) return false;
    for (let n = 0; n < this.size; n++) {
      if (seqs[n] !== seq) continue;
      const seenAt = this.ts[n]!;
      if (seenAt === t) return true;
      if (
        Math.abs(seenAt - t) <= RETRY_WINDOW_MS &&
        this.quality[n] === quality &&
        Object.is(this.values[n], value) &&
        !this.otherNumberBetween(seq, seenAt, t)
      ) {
        return true;
      }
    }
    return false;
  }

  /** Records a stored numbered reading (one `isRetry` said is not a retry). */
  record(seq: number, t: number, value: number, quality: number): void {
    if (!this.seqs) this.allocate();
    const i = this.next;
    this.seqs![i] = seq;
    this.ts[i] = t;
    this.values[i] = value;
    this.quality[i] = quality;
    this.next = (i + 1) % RETRY_MEMORY;
    if (this.size < RETRY_MEMORY) this.size++;
  }

  /** Forgets a reading whose write failed, so that its resend is not taken for a retry. */
  forget(seq: number, t: number): void {
    if (!this.seqs) return;
    for (let n = 0; n < this.size; n++) {
      if (this.seqs[n] === seq && this.ts[n] === t) this.seqs[n] = Number.NaN;
    }
  }

  /** whether the device sent a message with another number between device times a and b */
  private otherNumberBetween(seq: number, a: number, b: number): boolean {
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    for (let n = 0; n < this.size; n++) {
      const t = this.ts[n]!;
      const s = this.seqs![n]!;
      if (t > lo && t < hi && s !== seq && !Number.isNaN(s)) return true;
    }
    return false;
  }

  private allocate(): void {
    this.seqs = new Float64Array(RETRY_MEMORY);
    this.ts = new Float64Array(RETRY_MEMORY);
    this.values = new Float64Array(RETRY_MEMORY);
    this.quality = new Uint8Array(RETRY_MEMORY);
  }
}
