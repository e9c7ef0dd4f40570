/**
 * `engine.memory`: the engine process's memory as V8 and SQLite see it. A full collection
 * first (when the process runs with --expose-gc and the caller asks) tells a leak from
 * garbage not yet collected. SQLite's own counters (sqlite3_db_status) are not reachable
 * from better-sqlite3, so the page cache is reported as its limit and the most it can hold
 * now: never more pages than the database file and its WAL have.
 */
import { statSync } from 'node:fs';
import type { EngineMemory } from '../../../common/diagnostics-contract';
import type { Db } from '../store/database';

function fileBytes(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    // absent: an in-memory cache, or no WAL after a clean checkpoint
    return 0;
  }
}

/** PRAGMA cache_size: negative is KiB, positive is pages (SQLite docs, "PRAGMA cache_size") */
export function cacheLimitBytes(cacheSize: number, pageSize: number): number {
  return cacheSize < 0 ? -cacheSize * 1024 : cacheSize * pageSize;
}

export function engineMemory(db: Db, file: string, collect: boolean): EngineMemory {
  const gc = (globalThis as { gc?: () => void }).gc;
  const collected = collect && typeof gc === 'function';
  if (collected) gc();
  const m = process.memoryUsage();
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const limit = cacheLimitBytes(db.pragma('cache_size', { simple: true }) as number, pageSize);
  const databaseFileBytes = file === ':memory:' ? 0 : fileBytes(file);
  const walFileBytes = file === ':memory:' ? 0 : fileBytes(`${file}-wal`);
  const pages = db.pragma('page_count', { simple: true }) as number;
  return {
    collected,
    rssBytes: m.rss,
    heapUsedBytes: m.heapUsed,
    heapTotalBytes: m.heapTotal,
    externalBytes: m.external,
    arrayBuffersBytes: m.arrayBuffers,
    sqlite: {
      cacheLimitBytes: limit,
      cacheBoundBytes: Math.min(limit, pages * pageSize + walFileBytes),
      pageSize,
      databaseFileBytes,
      walFileBytes,
    },
  };
}
