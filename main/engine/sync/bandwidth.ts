/**
 * One byte budget shared by every sink (they share the site's link). A debt bucket: a batch
 * is always sent whole, and the next one waits until the debt it left is paid back at the
 * cap's rate, so the average stays at the cap whatever the batch sizes.
 */
export class BandwidthBudget {
  private balance = 0;
  private updatedAt = performance.now();

  constructor(private rate: number | null = null) {}

  get bytesPerSecond(): number | null {
    return this.rate;
  }

  setRate(rate: number | null): void {
    this.refill();
    this.rate = rate;
    if (rate === null) this.balance = 0;
  }

  /** ms to wait before `bytes` may go; charges them at once. */
  charge(bytes: number): number {
    if (this.rate === null) return 0;
    this.refill();
    this.balance -= bytes;
    return this.balance >= 0 ? 0 : Math.ceil((-this.balance / this.rate) * 1000);
  }

  private refill(): void {
    const now = performance.now();
    if (this.rate !== null) {
      // at most one second of unused budget carries over, so an idle link cannot bank a burst
      this.balance = Math.min(this.rate, this.balance + ((now - this.updatedAt) / 1000) * this.rate);
    }
    this.updatedAt = now;
  }
}
