/**
 * The outbox quota: when the outbox holds more than its quota, the oldest raw rows are
 * folded, a group at a time, into one row of 1-minute rollups that takes the seq of the
 * last row of the group (taking in a small folded row just before it, so minutes split
 * between two folds become one bucket again). The cloud still gets the aggregates of a
 * period whose raw data had to go; events (audit entries, commissioning records) are never
 * touched.
 *
 * Why a group never straddles a sink's cursor: every sink then either sent all of the
 * group's rows (its cursor is at or past the folded row's seq, so it never sees the
 * rollups) or none of them (it gets the rollups in the place of the raw rows). Rows a sink
 * has on the wire, or has built into a batch it may yet send, are never folded, so a batch
 * rebuilt after a crash carries the same rows under the same Idempotency-Key.
 */
import type { Outbox, OutboxRowMeta } from './outbox';
import { decodeFolded, encodeFolded, RollupAccumulator } from './rollup-buckets';
import { decodeChunks } from './series-chunks';

export const DEFAULT_OUTBOX_QUOTA = 1024 ** 3;
export const MIN_OUTBOX_QUOTA = 16 * 1024 ** 2;
/** a fold pass goes down to this share of the quota, so it does not run again at every batch */
export const LOW_WATER = 0.9;

export interface SinkMarks {
  id: string;
  /** the raw cursor */
  raw: number;
  /** how far its rollups went: max(raw, rollup cursor) */
  rollup: number;
  /** (lo, hi] ranges on the wire or built into a batch: never folded */
  busy: readonly (readonly [number, number])[];
}

export interface FoldOutcome {
  /** raw rows replaced */
  rows: number;
  /** raw readings summarised, nulls included */
  readings: number;
  /** device-time range of those readings */
  fromTs: number;
  toTs: number;
  /** the seq the rollup row took */
  seq: number;
  /** payload bytes before minus after */
  freedBytes: number;
  /** sinks that had not sent these rows: they will get only the rollups */
  sinks: string[];
}

/**
 * How big a group may be: big enough to span minutes per series, small enough to fold in a
 * few ms at a time and for its rollups to fit one MQTT message (AWS IoT Core: 128 KB).
 */
export function groupBytesFor(quotaBytes: number): number {
  return Math.min(1024 ** 2, Math.max(64 * 1024, Math.floor(quotaBytes / 16)));
}

/**
 * A folded row takes in neighbouring raw rows (and smaller folded rows before it) until it
 * is this big: merging keeps one bucket per series-minute instead of one partial bucket
 * per fold, and the cap keeps a folded row's rollups inside one MQTT message.
 */
export const MAX_ROLLUP_ROW_BYTES = 64 * 1024;

const PAGE = 2000;

/** The oldest foldable group, or [] when nothing can be folded: raw rows, maybe after a small folded row. */
export function pickGroup(outbox: Outbox, marks: readonly SinkMarks[], maxBytes: number): OutboxRowMeta[] {
  const cuts = [...new Set(marks.flatMap((m) => [m.raw, m.rollup]))].sort((a, b) => a - b);
  const busy = marks.flatMap((m) => m.busy).filter(([lo, hi]) => hi > lo);
  const isBusy = (seq: number) => busy.some(([lo, hi]) => seq > lo && seq <= hi);
  /** a cut c with first <= c < seq: some sink has sent rows up to c but not seq */
  const crossesCut = (first: number, seq: number) => {
    let lo = 0;
    let hi = cuts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cuts[mid]! < first) lo = mid + 1;
      else hi = mid;
    }
    return lo < cuts.length && cuts[lo]! < seq;
  };
  let group: OutboxRowMeta[] = [];
  let rawBytes = 0;
  let rollupBytes = 0;
  const restart = () => {
    group = [];
    rawBytes = 0;
    rollupBytes = 0;
  };
  let after = outbox.start();
  for (;;) {
    const page = outbox.meta(after, PAGE);
    if (page.length === 0) return rawBytes > 0 ? group : [];
    for (const row of page) {
      after = row.seq;
      if (row.kind === 'event') continue;
      const ends =
        isBusy(row.seq) ||
        (group.length > 0 && crossesCut(group[0]!.seq, row.seq)) ||
        (row.kind === 'rollup' && rollupBytes + row.bytes > MAX_ROLLUP_ROW_BYTES);
      if (ends) {
        if (rawBytes > 0) return group;
        restart();
        if (isBusy(row.seq) || (row.kind === 'rollup' && row.bytes > MAX_ROLLUP_ROW_BYTES)) continue;
      }
      group.push(row);
      if (row.kind === 'rollup') rollupBytes += row.bytes;
      else rawBytes += row.bytes;
      if (rawBytes >= maxBytes) return group;
    }
  }
}

/**
 * Folds the oldest foldable group; null when there is none. Run it inside a transaction
 * (with the per-sink accounting) so a crash leaves either the raw rows or the rollup row.
 */
export function foldOldest(
  outbox: Outbox,
  marks: readonly SinkMarks[],
  maxBytes: number,
): FoldOutcome | null {
  const group = pickGroup(outbox, marks, maxBytes);
  if (group.length === 0) return null;
  const acc = new RollupAccumulator();
  let bytes = 0;
  let createdAt = Number.POSITIVE_INFINITY;
  // what is newly folded: the raw rows (a folded row taken in was counted when it was made)
  let readings = 0;
  let fromTs = Number.POSITIVE_INFINITY;
  let toTs = Number.NEGATIVE_INFINITY;
  for (const row of group) {
    const body = outbox.body(row.seq);
    if (!body) throw new Error(`outbox row ${row.seq} vanished while folding`);
    if (row.kind === 'rollup') acc.addFolded(decodeFolded(body));
    else {
      for (const c of decodeChunks(body)) {
        acc.addChunk(c);
        const n = c.ts.length;
        if (n === 0) continue;
        readings += n;
        if (c.ts[0]! < fromTs) fromTs = c.ts[0]!;
        if (c.ts[n - 1]! > toTs) toTs = c.ts[n - 1]!;
      }
    }
    bytes += row.bytes;
    createdAt = Math.min(createdAt, row.createdAt);
  }
  const body = encodeFolded(acc.folded());
  const seqs = group.map((r) => r.seq);
  outbox.replaceWithRollup(seqs, bytes, { readings: acc.readings, firstTs: acc.fromTs, createdAt, body });
  const first = seqs[0]!;
  return {
    rows: group.filter((r) => r.kind === 'readings').length,
    readings,
    fromTs,
    toTs,
    seq: seqs.at(-1)!,
    freedBytes: bytes - body.length,
    sinks: marks.filter((m) => m.raw < first).map((m) => m.id),
  };
}
