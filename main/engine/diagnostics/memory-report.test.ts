import { describe, expect, test } from 'vitest';
import { openTestDb } from '../store/test-fixtures';
import { cacheLimitBytes, engineMemory } from './memory-report';

describe('engine.memory', () => {
  test('PRAGMA cache_size is KiB when negative, pages when positive (sqlite.org/pragma.html#pragma_cache_size)', () => {
    // SQLite's default is -2000: "2048000 bytes of memory"
    expect(cacheLimitBytes(-2000, 4096)).toBe(2_048_000);
    expect(cacheLimitBytes(500, 4096)).toBe(2_048_000);
  });

  test("reports the process's memory and the real cache file, its WAL and the page cache bound", () => {
    const { db, file } = openTestDb('memory-report');
    db.exec('CREATE TABLE filler (x BLOB)');
    const insert = db.prepare('INSERT INTO filler VALUES (randomblob(4000))');
    for (let i = 0; i < 200; i++) insert.run();
    const m = engineMemory(db, file, false);
    expect(m.collected).toBe(false);
    expect(m.rssBytes).toBeGreaterThan(m.heapUsedBytes);
    expect(m.heapUsedBytes).toBeGreaterThan(0);
    expect(m.sqlite.pageSize).toBe(db.pragma('page_size', { simple: true }));
    // the WAL holds the 800 kB written since the last checkpoint
    expect(m.sqlite.walFileBytes).toBeGreaterThan(800_000);
    // better-sqlite3 builds SQLite with DEFAULT_CACHE_SIZE=-16000 (PRAGMA compile_options)
    expect(db.pragma('cache_size', { simple: true })).toBe(-16000);
    expect(m.sqlite.cacheLimitBytes).toBe(16_384_000);
    // about 1 MB of pages: the cache cannot hold more than the file and WAL have
    expect(m.sqlite.cacheBoundBytes).toBeGreaterThan(800_000);
    expect(m.sqlite.cacheBoundBytes).toBeLessThan(m.sqlite.cacheLimitBytes);
    db.pragma('cache_size = -100');
    expect(engineMemory(db, file, false).sqlite.cacheBoundBytes).toBe(102_400);
    db.close();
  });

  test('a full collection runs only when asked and the process allows it (--expose-gc)', () => {
    const { db, file } = openTestDb('memory-report-gc');
    const g = globalThis as { gc?: () => void };
    const had = g.gc;
    let runs = 0;
    g.gc = () => {
      runs++;
    };
    try {
      expect(engineMemory(db, file, true).collected).toBe(true);
      expect(engineMemory(db, file, false).collected).toBe(false);
      expect(runs).toBe(1);
      g.gc = undefined;
      expect(engineMemory(db, file, true).collected).toBe(false);
    } finally {
      g.gc = had;
      db.close();
    }
  });
});
