/**
 * The ingest path from connectors to the store: validate, queue, and commit in batches
 * (every 50 ms or 5,000 readings, whichever comes first). One transaction per batch is
 * what makes SQLite fast enough; the 50 ms cap keeps live charts feeling live.
 */
import type { Reading } from '../../../common/reading';
import type { Logger } from '../log';
import type { BatchResult, ReadingStore } from '../store/reading-store';
import type { ReadingValidator } from './validate';

export interface PipelineOptions {
  store: ReadingStore;
  validator: ReadingValidator;
  log: Logger;
  flushMs?: number;
  maxBatch?: number;
  /** readings waiting beyond this are spilled (counted and logged) rather than growing memory */
  maxQueued?: number;
  /**
   * Runs inside each batch's commit with the readings accepted: whatever must never miss
   * a stored reading (the cloud outbox) commits with it or not at all.
   */
  withinCommit?: (accepted: readonly Reading[]) => void;
}

export interface PipelineCounters {
  received: number;
  stored: number;
  duplicates: number;
  flagged: number;
  spilled: number;
  batches: number;
  lastBatchMs: number;
  writeErrors: number;
}

export class IngestPipeline {
  private queue: Reading[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(result: BatchResult) => void>();
  private readonly flushMs: number;
  private readonly maxBatch: number;
  private readonly maxQueued: number;
  /** the last write failure, cleared by the next successful batch */
  lastError: string | null = null;
  readonly counters: PipelineCounters = {
    received: 0,
    stored: 0,
    duplicates: 0,
    flagged: 0,
    spilled: 0,
    batches: 0,
    lastBatchMs: 0,
    writeErrors: 0,
  };

  constructor(private readonly options: PipelineOptions) {
    this.flushMs = options.flushMs ?? 50;
    this.maxBatch = options.maxBatch ?? 5000;
    this.maxQueued = options.maxQueued ?? 200_000;
  }

  push(readings: readonly Reading[]): void {
    this.counters.received += readings.length;
    const room = this.maxQueued - this.queue.length;
    if (room < readings.length) {
      const spilled = readings.length - Math.max(0, room);
      this.counters.spilled += spilled;
      this.options.log.warn('ingest queue full: readings spilled', { spilled, queued: this.queue.length });
    }
    const take = Math.min(readings.length, Math.max(0, room));
    for (let i = 0; i < take; i++) this.queue.push(this.options.validator.check(readings[i]!));
    if (this.queue.length >= this.maxBatch) {
      setImmediate(() => this.flush());
    } else if (!this.timer && this.queue.length > 0) {
      this.timer = setTimeout(() => this.flush(), this.flushMs);
    }
  }

  onBatch(listener: (result: BatchResult) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Commits everything queued; called by the timer and on close. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.queue.length > 0) {
      const batch = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch);
      this.queue = this.queue.length <= this.maxBatch ? [] : this.queue.slice(this.maxBatch);
      const started = performance.now();
      let result: BatchResult;
      try {
        result = this.options.store.insertBatch(batch, Date.now(), this.options.withinCommit);
      } catch (error) {
        // the transaction rolled back: keep the batch for the next attempt instead of losing it
        this.counters.writeErrors++;
        this.lastError = (error as Error).message;
        this.queue = batch.concat(this.queue);
        this.options.log.error('could not store a batch; will retry', {
          error: (error as Error).message,
          readings: batch.length,
        });
        this.timer = setTimeout(() => this.flush(), 1000);
        return;
      }
      this.lastError = null;
      this.counters.batches++;
      this.counters.lastBatchMs = performance.now() - started;
      this.counters.stored += result.accepted.length;
      this.counters.duplicates += result.duplicates;
      this.counters.flagged += result.flagged;
      for (const listener of this.listeners) listener(result);
    }
  }

  queued(): number {
    return this.queue.length;
  }

  close(): void {
    this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
