/**
 * Delivers one sink's backlog, in outbox order, one batch in flight at a time (that is
 * what keeps per-device order), while the next batch is being built. A batch is frozen in
 * SQLite as it first goes on the wire and sent again unchanged, bytes and Idempotency-Key,
 * until the receiver says it stored it (or refused it for good), whether the retry comes
 * after a backoff or after a crash; rows that arrived meanwhile go in the next batch.
 */
import type { Logger } from '../log';
import type { BandwidthBudget } from './bandwidth';
import type { OutgoingBatch, SyncChannel } from './cloudevents';
import type { SinkRecords } from './sink-records';
import { backoffDelay, type SendOutcome, type SinkTransport } from './transport';

export interface Cursors {
  raw: number;
  rollup: number;
  /**
   * a raw batch that was on the wire when a database from before frozen batches (migration
   * 011) was last used: rebuild exactly (raw, replay], the nearest thing to its bytes there is
   */
  replay?: number;
  /** the same for a rollup batch */
  replayRollup?: number;
}

export interface RunnerOptions {
  id: string;
  transport: SinkTransport;
  records: SinkRecords;
  budget: BandwidthBudget;
  log: Logger;
  cursors: Cursors;
  /** the batch the sink had on the wire when it last stopped: it goes first, as it is */
  frozen?: OutgoingBatch;
  /** the next batch after the given cursors, or null when there is nothing to send */
  prepare(cursors: Cursors): Promise<OutgoingBatch | null>;
  /** called after a cursor moved, so rows every sink has passed can be deleted */
  delivered(): void;
  baseDelayMs?: number;
  maxDelayMs?: number;
  idlePollMs?: number;
}

export type RunnerState = 'idle' | 'sending' | 'backoff' | 'throttled' | 'disabled' | 'stopped';

export interface RunnerStats {
  state: RunnerState;
  batches: number;
  readings: number;
  bytes: number;
  retries: number;
  parkedNow: number;
  lastError: { message: string; status: number | null; at: number } | null;
  lastSuccessAt: number | null;
  nextAttemptAt: number | null;
  readingsPerS: number;
  bytesPerS: number;
}

const THROUGHPUT_WINDOW_MS = 10_000;

export class SinkRunner {
  private stopped = false;
  private wakeUp: (() => void) | null = null;
  /** a wake that arrived while not sleeping: 'data' ends the next idle wait, 'urgent' any backoff too */
  private woken: 'data' | 'urgent' | null = null;
  private running: Promise<void> | null = null;
  private attempt = 0;
  private readonly samples: { at: number; readings: number; bytes: number }[] = [];
  readonly stats: RunnerStats = {
    state: 'idle',
    batches: 0,
    readings: 0,
    bytes: 0,
    retries: 0,
    parkedNow: 0,
    lastError: null,
    lastSuccessAt: null,
    nextAttemptAt: null,
    readingsPerS: 0,
    bytesPerS: 0,
  };

  constructor(private readonly o: RunnerOptions) {}

  get cursors(): Cursors {
    return this.o.cursors;
  }

  get transport(): SinkTransport {
    return this.o.transport;
  }

  start(): void {
    this.running ??= this.loop().catch((error: unknown) => {
      this.o.log.error('sync loop failed', { sink: this.o.id, error: (error as Error).message });
      this.stats.state = 'stopped';
    });
  }

  /**
   * New data ends an idle wait only: while the receiver fails, data keeps arriving, and
   * letting it cut the backoff short would retry many times a second. "Sync now", a
   * configuration change and stop are urgent and cut a backoff too (never a Retry-After).
   */
  wake(urgent = false): void {
    if (urgent) this.woken = 'urgent';
    else this.woken ??= 'data';
    this.wakeUp?.();
  }

  /** Resolves when the loop has fully stopped; an in-flight batch is left to its fate (at-least-once). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake(true);
    await this.running;
    await this.o.transport.close();
    this.stats.state = 'stopped';
  }

  throughput(now = performance.now()): { readingsPerS: number; bytesPerS: number } {
    while (this.samples.length > 0 && now - this.samples[0]!.at > THROUGHPUT_WINDOW_MS) this.samples.shift();
    let readings = 0;
    let bytes = 0;
    for (const s of this.samples) {
      readings += s.readings;
      bytes += s.bytes;
    }
    const seconds = THROUGHPUT_WINDOW_MS / 1000;
    return { readingsPerS: readings / seconds, bytesPerS: bytes / seconds };
  }

  private async loop(): Promise<void> {
    let next: Promise<OutgoingBatch | null> | null = null;
    let again: OutgoingBatch | null = this.o.frozen ?? null;
    while (!this.stopped) {
      const retrying = again !== null;
      const batch = again ?? (await (next ?? this.o.prepare(this.o.cursors)));
      again = null;
      next = null;
      if (this.stopped) break;
      if (!batch) {
        this.stats.state = 'idle';
        await this.sleep(this.o.idlePollMs ?? 1000, 'any');
        continue;
      }
      const wait = this.o.budget.charge(batch.payload.length);
      if (wait > 0) {
        this.stats.state = 'throttled';
        await this.sleep(wait, 'stop');
        if (this.stopped) break;
      }
      this.stats.state = 'sending';
      if (!retrying) this.o.records.freeze(batch);
      const sending = this.o.transport.send(batch);
      // build the next batch while this one is on the wire; thrown away if this one fails
      const after = advanced(this.o.cursors, batch);
      next = this.o.prepare(after);
      next.catch(() => {});
      let outcome: SendOutcome;
      try {
        outcome = await sending;
      } catch (error) {
        outcome = { kind: 'retry', error: (error as Error).message };
      }
      if (outcome.kind === 'ok') {
        this.o.records.acknowledge(batch);
        this.o.cursors = after;
        this.succeeded(batch);
        this.o.delivered();
      } else if (outcome.kind === 'park') {
        this.o.records.park(batch, outcome.status ?? null, outcome.error);
        this.o.cursors = after;
        this.stats.parkedNow++;
        this.failed(outcome.error, outcome.status);
        this.o.log.warn('batch refused by the receiver: parked', {
          sink: this.o.id,
          firstSeq: batch.firstSeq,
          lastSeq: batch.lastSeq,
          error: outcome.error,
        });
        this.o.delivered();
      } else {
        next = null;
        again = batch;
        this.stats.retries++;
        this.failed(outcome.error, outcome.status);
        const delay =
          outcome.retryAfterMs ??
          backoffDelay(this.attempt, this.o.baseDelayMs ?? 500, this.o.maxDelayMs ?? 60_000);
        this.attempt++;
        this.stats.state = 'backoff';
        this.stats.nextAttemptAt = Date.now() + delay;
        this.o.log.debug('batch not delivered; retrying', { sink: this.o.id, error: outcome.error, delay });
        // Retry-After is the receiver's own word: "sync now" does not cut it short
        await this.sleep(delay, outcome.retryAfterMs === undefined ? 'urgent' : 'stop');
        this.stats.nextAttemptAt = null;
      }
    }
  }

  private succeeded(batch: OutgoingBatch): void {
    this.attempt = 0;
    this.stats.batches++;
    this.stats.readings += batch.readings;
    this.stats.bytes += batch.payload.length;
    this.stats.lastSuccessAt = Date.now();
    this.samples.push({ at: performance.now(), readings: batch.readings, bytes: batch.payload.length });
  }

  private failed(message: string, status: number | undefined): void {
    this.stats.lastError = { message, status: status ?? null, at: Date.now() };
  }

  /** `endedBy`: what may end the wait early: any wake (idle), an urgent one (backoff), or only stop. */
  private sleep(ms: number, endedBy: 'any' | 'urgent' | 'stop'): Promise<void> {
    const ends = () =>
      this.stopped ||
      (endedBy === 'any' && this.woken !== null) ||
      (endedBy === 'urgent' && this.woken === 'urgent');
    if (ends()) {
      this.woken = null;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(finish, ms);
      function finish() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        if (ends()) {
          this.wakeUp = null;
          this.woken = null;
          finish();
        }
      };
    });
  }
}

function advanced(c: Cursors, batch: OutgoingBatch): Cursors {
  const channel: SyncChannel = batch.channel;
  return channel === 'raw'
    ? { raw: batch.lastSeq, rollup: c.rollup, replayRollup: c.replayRollup }
    : { raw: c.raw, rollup: batch.lastSeq, replay: c.replay };
}
