/**
 * The cache failing must not take the site down: a corrupt file or an unusable folder
 * starts the engine on an in-memory store with a clear error; a full disk keeps the
 * readings queued (bounded, counted) and retries until there is room again.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { StoreStatusSchema } from '../../common/contract';
import type { Reading } from '../../common/reading';
import { createEngine, type Engine } from './engine';
import { IngestPipeline } from './ingest/pipeline';
import { ReadingValidator } from './ingest/validate';
import { DATABASE_FILE } from './store/database';
import { openStore, silent, tempDataDir } from './store/test-fixtures';
import { rawClient, transportPair } from './test-transport';

let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

async function statusOf(dataDir: string) {
  engine = await createEngine({ dataDir, demo: true, host: 'test', log: silent });
  const [server, client] = transportPair();
  engine.connect(server);
  const rpc = rawClient(client);
  return { rpc, status: StoreStatusSchema.parse((await rpc.call('store.status')).result) };
}

describe('when the cache fails', () => {
  test('a corrupt database file: the engine runs on live data and says why nothing is saved', async () => {
    const dataDir = tempDataDir('corrupt');
    writeFileSync(
      path.join(dataDir, DATABASE_FILE),
      'this is not a SQLite database, just garbage '.repeat(200),
    );
    const { rpc, status } = await statusOf(dataDir);
    expect(status.ok).toBe(false);
    expect(status.error).toMatch(/cannot open the cache .*file is not a database/);
    await new Promise((r) => setTimeout(r, 800));
    const devices = (await rpc.call('devices.list')).result as { state: string }[];
    expect(devices.length).toBeGreaterThanOrEqual(12);
    expect(devices.some((d) => d.state === 'online')).toBe(true);
  });

  test('a data folder that cannot be created', async () => {
    // a file where a folder should be: permission bits would not stop root, this does
    const blocker = path.join(tempDataDir('blocked'), 'not-a-folder');
    writeFileSync(blocker, '');
    const { status } = await statusOf(path.join(blocker, 'data'));
    expect(status).toMatchObject({
      ok: false,
      error: expect.stringMatching(/cannot create the data folder/),
    });
  });

  test('disk full: batches wait and are retried, nothing lost, the error is reported then cleared', async () => {
    const { store, db } = openStore();
    const pipeline = new IngestPipeline({
      store,
      validator: new ReadingValidator(() => undefined),
      log: silent,
      flushMs: 5,
    });
    const reading = (i: number): Reading => ({
      deviceId: 'd1',
      metric: 'm',
      ts: 1_764_000_000_000 + i * 1000,
      value: Math.random(),
      quality: 'good',
      source: 'c',
    });
    // a real SQLITE_FULL: the file may not grow past its current size
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);
    pipeline.push(Array.from({ length: 20_000 }, (_, i) => reading(i)));
    pipeline.flush();
    expect(pipeline.counters.writeErrors).toBeGreaterThan(0);
    expect(pipeline.lastError).toMatch(/full/);
    expect(pipeline.queued()).toBe(20_000);
    db.pragma('max_page_count = 1073741823');
    pipeline.flush();
    expect(pipeline.lastError).toBeNull();
    expect(pipeline.queued()).toBe(0);
    expect(store.totalStored()).toBe(20_000);
    pipeline.close();
  });

  test('a store that stays behind: the queue stays bounded and the overflow is counted, not hidden', () => {
    const { store, db } = openStore();
    const pipeline = new IngestPipeline({
      store,
      validator: new ReadingValidator(() => undefined),
      log: silent,
      maxQueued: 1000,
    });
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    const batch = (from: number): Reading[] =>
      Array.from({ length: 600 }, (_, i) => ({
        deviceId: 'd1',
        metric: 'm',
        ts: 1_764_000_000_000 + (from + i) * 1000,
        value: Math.random(),
        quality: 'good',
        source: 'c',
      }));
    pipeline.push(batch(0));
    pipeline.flush();
    pipeline.push(batch(600));
    expect(pipeline.queued()).toBe(1000);
    expect(pipeline.counters.spilled).toBe(200);
    expect(pipeline.counters.received).toBe(1200);
    pipeline.close();
  });
});
