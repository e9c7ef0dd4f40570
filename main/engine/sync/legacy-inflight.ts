/**
 * The upgrade path to installation-scoped ids. Before installations had an identity every
 * batch went out with `source: urn:fieldline:edge` and a key of its sink and sequence range
 * only. A batch on the wire when such a database is upgraded may already be stored at the
 * receiver; rebuilt after the upgrade it must carry that same key and source, or the
 * receiver would store its events a second time under the new source. So when the
 * identity is made in a database that has sinks, it notes, per sink and channel, the last seq of the batch in flight, and batches ending at
 * or before it are built the old way. Everything after is scoped by the installation.
 */
import type Database from 'better-sqlite3';
import type { Origin, SyncChannel } from './cloudevents';

export const LEGACY_SOURCE = 'urn:fieldline:edge';
const KEY = 'sync.legacyInflight';

type Marks = Record<string, { raw: number; rollup: number }>;

/** Runs when the installation's identity is made (loadOrCreateInstallation's onCreate). */
export function recordLegacyInflight(db: Database.Database): void {
  const sinks = db
    .prepare<
      [],
      { id: string; cursor: number; rollup_cursor: number; inflight: number; rollup_inflight: number }
    >('SELECT id, cursor, rollup_cursor, inflight, rollup_inflight FROM sync_sinks')
    .all();
  const marks: Marks = {};
  for (const s of sinks) {
    const raw = s.inflight > s.cursor ? s.inflight : 0;
    const rollup = s.rollup_inflight > Math.max(s.rollup_cursor, s.cursor) ? s.rollup_inflight : 0;
    if (raw > 0 || rollup > 0) marks[s.id] = { raw, rollup };
  }
  if (Object.keys(marks).length === 0) return;
  db.prepare('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)').run(KEY, JSON.stringify(marks));
}

/** Picks the origin a batch ending at `lastSeq` is built with. */
export function originChooser(
  db: Database.Database,
  current: Origin,
): (sinkId: string, channel: SyncChannel, lastSeq: number) => Origin {
  const stored = db.prepare('SELECT value FROM settings WHERE key = ?').pluck().get(KEY) as
    | string
    | undefined;
  let marks: Marks = {};
  try {
    marks = stored ? (JSON.parse(stored) as Marks) : {};
  } catch {
    // unreadable: every batch is built the new way, at worst one batch's events stored twice
  }
  const legacy: Origin = { source: LEGACY_SOURCE, installationId: null };
  return (sinkId, channel, lastSeq) => {
    const mark = marks[sinkId]?.[channel];
    return typeof mark === 'number' && lastSeq <= mark ? legacy : current;
  };
}
