/**
 * The data folder and what the engine writes in it, with real files: 0700 and 0600 from
 * the first start whatever the umask, and a folder or database an older build left open
 * to other users (0755 / 0644) closed on the next open, with a warning in the log.
 */
import { chmodSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { createEngine, type Engine } from '../engine';
import { FirmwareStore } from '../firmware/firmware-store';
import { createLogger } from '../log';
import { DATABASE_FILE, openDatabase } from './database';
import { silent, tempDataDir } from './test-fixtures';

const modeOf = (p: string) => (statSync(p).mode & 0o777).toString(8);

/** Every folder and file under `dir`, with its mode: { "demo": "700", "demo/fieldline.sqlite": "600" } */
function modesUnder(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const rel = path.join(prefix, entry.name);
    const full = path.join(dir, entry.name);
    out[rel] = modeOf(full);
    if (entry.isDirectory()) Object.assign(out, modesUnder(full, rel));
  }
  return out;
}

let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

describe('data folder permissions (POSIX)', () => {
  test('a new data folder is 0700 and every file the engine writes in it 0600, under umask 022', async () => {
    const previous = process.umask(0o022);
    try {
      const dataDir = path.join(tempDataDir('private'), 'fresh', 'data');
      engine = await createEngine({ dataDir, demo: true, host: 'test', log: silent });
      await new Promise((r) => setTimeout(r, 1500));
      const modes = modesUnder(dataDir);
      expect(Object.keys(modes)).toEqual(
        expect.arrayContaining([DATABASE_FILE, `${DATABASE_FILE}-wal`, `${DATABASE_FILE}-shm`, 'master.key']),
      );
      for (const [name, mode] of Object.entries(modes)) {
        expect(mode, name).toBe(statSync(path.join(dataDir, name)).isDirectory() ? '700' : '600');
      }
      expect(modeOf(dataDir)).toBe('700');
      // the parents it had to make hold nothing but it: private too
      expect(modeOf(path.dirname(dataDir))).toBe('700');
    } finally {
      process.umask(previous);
    }
  });

  test('a folder and database left 0755/0644 by an older build are made private on open, and logged', () => {
    const dataDir = tempDataDir('private-old');
    // an older build's process, still running or crashed: its WAL and shared memory stay on disk
    const older = openDatabase({ dataDir, log: silent });
    older.db.prepare("INSERT INTO settings (key, value) VALUES ('k', 'v')").run();
    const files = [DATABASE_FILE, `${DATABASE_FILE}-wal`, `${DATABASE_FILE}-shm`].map((f) =>
      path.join(dataDir, f),
    );
    chmodSync(dataDir, 0o755);
    for (const f of files) chmodSync(f, 0o644);

    const lines: string[] = [];
    const log = createLogger({ level: 'info', write: (l) => lines.push(l) });
    const again = openDatabase({ dataDir, log });
    again.db.prepare("INSERT INTO settings (key, value) VALUES ('k2', 'v')").run();
    expect(modeOf(dataDir)).toBe('700');
    for (const f of files) expect(modeOf(f), f).toBe('600');
    const warnings = lines
      .map((l) => JSON.parse(l) as Record<string, string>)
      .filter((l) => l.level === 'warn');
    expect(warnings).toContainEqual(
      expect.objectContaining({
        msg: 'the data folder was readable by other users; made it private',
        was: '755',
      }),
    );
    for (const f of files) {
      expect(warnings).toContainEqual(
        expect.objectContaining({
          msg: 'the data file was readable by other users; made it private',
          path: f,
        }),
      );
    }
    again.db.close();
    older.db.close();
  });

  test('firmware images are stored 0600 in a 0700 folder', async () => {
    const previous = process.umask(0o022);
    try {
      const dir = path.join(tempDataDir('private-fw'), 'firmware');
      const store = new FirmwareStore(dir);
      const { sha256 } = await store.put(new Uint8Array([1, 2, 3]));
      expect(modeOf(dir)).toBe('700');
      expect(modeOf(store.pathFor(sha256)!)).toBe('600');
    } finally {
      process.umask(previous);
    }
  });

  test('a folder every user shares (sticky, world-writable like /tmp) is left alone, with a warning', () => {
    const tmpLike = path.join(tempDataDir('private-tmp'), 'tmp');
    mkdirSync(tmpLike);
    chmodSync(tmpLike, 0o1777);
    const lines: string[] = [];
    const log = createLogger({ level: 'info', write: (l) => lines.push(l) });
    openDatabase({ dataDir: tmpLike, log }).db.close();
    expect((statSync(tmpLike).mode & 0o7777).toString(8)).toBe('1777');
    expect(lines.map((l) => JSON.parse(l).msg)).toContain(
      'the data folder is shared with every user: give Fieldline a folder of its own',
    );
    expect(modeOf(path.join(tmpLike, DATABASE_FILE))).toBe('600');
  });

  test('an existing folder shared with a group is tightened too', () => {
    const base = tempDataDir('private-mk');
    const shared = path.join(base, 'shared');
    mkdirSync(shared, { mode: 0o775 });
    chmodSync(shared, 0o775);
    openDatabase({ dataDir: shared, log: silent }).db.close();
    expect(modeOf(shared)).toBe('700');
  });
});
