/**
 * SIGKILL of a real process running the sync (ingesting into the outbox and sending at
 * once) right after the receiver committed a batch and before the answer reached it; a new
 * process on the same SQLite file then drains the outbox. The receiver must hold every
 * ingested reading exactly once, and the outbox must be empty.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { createReceiver, type Receiver } from '../../cloud-receiver/receiver';
import { openDatabase } from '../store/database';
import { silent, tempDataDir } from '../store/test-fixtures';
import { createKeyDedupReceiver, expectedSeries } from './key-dedup-receiver';
import { openChildSync } from './sync-child';
import { readingsBatch } from './test-fixtures';

const CHILD = path.join(__dirname, 'sync-child.ts');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function addHttpSink(dataDir: string, url: string): Promise<void> {
  const { db, sync } = openChildSync(dataDir);
  await sync.handlers['sync.addSink']({ kind: 'http', name: 'cloud', enabled: true, config: { url } });
  await sync.close();
  db.close();
}

async function drain(dataDir: string) {
  const second = run('drain', dataDir);
  const done = await Promise.race([
    second.exited,
    new Promise<null>((r) => setTimeout(() => r(null), 30_000)),
  ]);
  expect(done?.code, second.state.stderr).toBe(0);
  expect(second.state.drained).toBe(true);
}

function run(mode: 'ingest' | 'drain', dataDir: string) {
  // tsx as a loader in the child's own process, so SIGKILL hits the process that does the work
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, mode, dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const state = { lastAck: -1, drained: false, stderr: '' };
  let buffered = '';
  child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^ack (\d+)$/.exec(line);
      if (m) state.lastAck = Number(m[1]);
      if (line === 'drained') state.drained = true;
    }
  });
  child.stderr!.on('data', (d: Buffer) => {
    state.stderr += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, state, exited };
}

describe('sync survives SIGKILL (real child process, real SQLite file, receiver on 127.0.0.1)', () => {
  test.each([3, 8])(
    'killed after the receiver committed batch %i but before the answer: exactly once after a restart',
    async (killAt) => {
      const dataDir = tempDataDir('sync-crash');
      let child: ChildProcess | undefined;
      let stored = 0;
      const receiver: Receiver = await createReceiver({
        dbFile: path.join(tempDataDir('receiver'), 'r.sqlite'),
        onStored: () => {
          if (++stored === killAt) child?.kill('SIGKILL');
        },
      });
      cleanups.push(() => receiver.close());
      await addHttpSink(dataDir, `${receiver.url}/v1/batches`);

      const first = run('ingest', dataDir);
      child = first.child;
      const ended = await first.exited;
      expect(ended.signal, first.state.stderr).toBe('SIGKILL');
      expect(first.state.lastAck).toBeGreaterThanOrEqual(0);
      const countAtKill = receiver.store.totalReadings();

      await drain(dataDir);

      // the outbox held batches 0..M (M >= the last ack seen: the kill can land after a
      // commit and before its ack line), each in full or not at all
      const total = receiver.store.totalReadings();
      expect(total).toBeGreaterThanOrEqual(countAtKill);
      expect(total % 500).toBe(0);
      const lastBatch = total / 500 - 1;
      expect(lastBatch).toBeGreaterThanOrEqual(first.state.lastAck);
      expect(lastBatch).toBeLessThanOrEqual(first.state.lastAck + 1);
      const expected = new Map<string, number[]>();
      for (let b = 0; b <= lastBatch; b++) {
        for (const r of readingsBatch(b)) {
          const k = `${r.deviceId}\u0000${r.metric}`;
          expected.set(k, [...(expected.get(k) ?? []), r.ts]);
        }
      }
      for (const [k, ts] of expected) {
        const [deviceId, metric] = k.split('\u0000') as [string, string];
        expect(receiver.store.series(deviceId, metric).ts).toEqual(ts);
      }
      // the batch committed but never answered came again with the same Idempotency-Key
      expect(receiver.store.counters.duplicateBatches).toBeGreaterThanOrEqual(1);
      expect(receiver.store.counters.duplicateReadings).toBe(0);

      const { db } = openDatabase({ dataDir, log: silent });
      expect(db.prepare('SELECT count(*) FROM outbox').pluck().get()).toBe(0);
      db.close();
    },
    60_000,
  );

  test('a batch that failed, retried, then SIGKILLed before the answer: after the restart it goes again byte-identical under the same key', async () => {
    const dataDir = tempDataDir('sync-frozen');
    let child: ChildProcess | undefined;
    // the child ingests every 5 ms: during the 1 s Retry-After some 200 batches arrive
    const receiver = await createKeyDedupReceiver((n) => {
      if (n === 0) return { status: 503, retryAfterS: 1 };
      if (n === 1) {
        child?.kill('SIGKILL');
        return 'hang';
      }
      return undefined;
    });
    cleanups.push(() => receiver.close());
    await addHttpSink(dataDir, receiver.url);

    const first = run('ingest', dataDir);
    child = first.child;
    expect((await first.exited).signal, first.state.stderr).toBe('SIGKILL');
    await drain(dataDir);

    const [attempt, retry, afterRestart] = receiver.requests;
    expect(retry!.key).toBe(attempt!.key);
    expect(retry!.body.equals(attempt!.body)).toBe(true);
    expect(afterRestart!.key).toBe(attempt!.key);
    expect(afterRestart!.body.equals(attempt!.body)).toBe(true);
    // the receiver trusts the key alone, so any batch sent twice under two keys would show here
    const stored = receiver.store.readings();
    const total = [...stored.values()].reduce((n, ts) => n + ts.length, 0);
    expect(total % 500).toBe(0);
    expect(total / 500 - 1).toBeGreaterThanOrEqual(first.state.lastAck);
    expect(stored).toEqual(expectedSeries(total / 500));
  }, 60_000);
});
