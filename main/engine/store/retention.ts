/**
 * Keeps the cache inside its limits: raw blocks for N days, each rollup resolution for
 * longer, and the whole file under a quota, oldest raw data dropped first, then the
 * oldest fine rollups. Freed pages are reused by SQLite, so the file stops growing
 * rather than shrinking.
 */
import type { Retention } from '../../../common/contract';
import type { Db } from './database';
import { RESOLUTIONS } from './rollups';

const DAY = 86_400_000;

export const DEFAULT_RETENTION: Retention = {
  rawDays: 30,
  minuteDays: 365,
  hourDays: 5 * 365,
  dayDays: 20 * 365,
  quotaBytes: 4 * 1024 ** 3,
};

export interface RetentionOutcome {
  blocksDropped: number;
  rollupsDropped: number;
  /** bytes in use afterwards */
  usedBytes: number;
}

export function usedBytes(db: Db): number {
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const pages = db.pragma('page_count', { simple: true }) as number;
  const free = db.pragma('freelist_count', { simple: true }) as number;
  return (pages - free) * pageSize;
}

export class RetentionPolicy {
  private readonly statements;

  constructor(private readonly db: Db) {
    this.statements = {
      load: db.prepare("SELECT value FROM settings WHERE key = 'retention'").pluck(),
      save: db.prepare(
        "INSERT INTO settings (key, value) VALUES ('retention', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      ),
      dropBlocksBefore: db.prepare('DELETE FROM blocks WHERE end_ts < ?'),
      dropRollupsBefore: db.prepare('DELETE FROM rollups WHERE res = ? AND bucket < ?'),
      dropOldestBlocks: db.prepare(
        'DELETE FROM blocks WHERE id IN (SELECT id FROM blocks ORDER BY end_ts LIMIT ?)',
      ),
      blockCount: db.prepare('SELECT count(*) FROM blocks').pluck(),
      oldestRollupRes: db.prepare('SELECT bucket FROM rollups WHERE res = ? ORDER BY bucket LIMIT 1').pluck(),
      dropOldestRollups: db.prepare(
        'DELETE FROM rollups WHERE res = ? AND bucket < (SELECT bucket FROM rollups WHERE res = ? ORDER BY bucket LIMIT 1 OFFSET ?)',
      ),
      dropAllRollups: db.prepare('DELETE FROM rollups WHERE res = ?'),
    };
  }

  current(): Retention {
    const saved = this.statements.load.get() as string | undefined;
    if (!saved) return { ...DEFAULT_RETENTION };
    try {
      return { ...DEFAULT_RETENTION, ...(JSON.parse(saved) as Partial<Retention>) };
    } catch {
      return { ...DEFAULT_RETENTION };
    }
  }

  update(change: Partial<Retention>): Retention {
    const next = { ...this.current(), ...change };
    if (next.minuteDays < next.rawDays || next.hourDays < next.minuteDays || next.dayDays < next.hourDays) {
      throw new RangeError('rollups must be kept at least as long as the finer data they summarize');
    }
    this.statements.save.run(JSON.stringify(next));
    return next;
  }

  /** Drops what is past its age, then oldest-first until under the quota. */
  apply(now: number, retention = this.current()): RetentionOutcome {
    let blocksDropped = 0;
    let rollupsDropped = 0;
    this.db.transaction(() => {
      blocksDropped += this.statements.dropBlocksBefore.run(now - retention.rawDays * DAY).changes;
      const keep: Record<string, number> = {
        '1m': retention.minuteDays,
        '1h': retention.hourDays,
        '1d': retention.dayDays,
      };
      for (const r of RESOLUTIONS) {
        rollupsDropped += this.statements.dropRollupsBefore.run(
          r.ms,
          now - (keep[r.name] ?? 36_500) * DAY,
        ).changes;
      }
    })();
    // over quota: shed the oldest raw blocks in steps, then the finest rollups
    let used = usedBytes(this.db);
    while (used > retention.quotaBytes) {
      // a few percent at a time: enough to converge quickly, little enough not to overshoot
      const step = Math.max(1, Math.ceil((this.statements.blockCount.get() as number) * 0.05));
      const dropped = this.statements.dropOldestBlocks.run(step).changes;
      if (dropped > 0) {
        blocksDropped += dropped;
      } else {
        const res = RESOLUTIONS.find((r) => this.statements.oldestRollupRes.get(r.ms) !== undefined);
        if (!res) break;
        const n = this.statements.dropOldestRollups.run(res.ms, res.ms, 5000).changes;
        rollupsDropped += n > 0 ? n : this.statements.dropAllRollups.run(res.ms).changes;
      }
      used = usedBytes(this.db);
    }
    return { blocksDropped, rollupsDropped, usedBytes: used };
  }
}
