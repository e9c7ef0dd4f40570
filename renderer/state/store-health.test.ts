import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import type { IngestStats, StoreStatus } from '../../common/contract';
import { RpcClient } from '../rpc/client';
import { type FakeRequest, FakeTransport } from '../rpc/fake-transport';
import { startStoreHealthPolling, useStoreHealth } from './store-health';

const status = (ok: boolean, readings = 0): StoreStatus => ({
  ok,
  error: ok ? null : 'SQLITE_READONLY: attempt to write a readonly database',
  file: '/data/fieldline.db',
  databaseBytes: 4096,
  readings,
  pendingReadings: 0,
  oldestRaw: null,
  oldestRollup: null,
  newest: null,
  retention: { rawDays: 7, minuteDays: 90, hourDays: 730, dayDays: 3650, quotaBytes: 1024 ** 3 },
  lastRetentionRun: null,
});

const stats: IngestStats = {
  received: 10,
  stored: 10,
  duplicates: 0,
  flagged: 0,
  batches: 1,
  lastBatchMs: 1,
  storedTotal: 10,
  databaseBytes: 4096,
  spilled: 3,
  queued: 0,
  writeErrors: 1,
};

beforeEach(() => {
  vi.useFakeTimers();
  useStoreHealth.setState({ status: null, stats: null, statusError: null, statsError: null });
});
afterEach(() => vi.useRealTimers());

test('polls store.status and engine.stats on connect and then every period, never overlapping', async () => {
  const transports: FakeTransport[] = [];
  let readings = 0;
  let answerStatus = true;
  const client = new RpcClient({
    connect: async () => {
      const t = new FakeTransport();
      t.responder = (req: FakeRequest) => {
        if (req.method === 'store.status') {
          readings += 1;
          return answerStatus ? { id: req.id, result: status(readings > 1, readings) } : undefined;
        }
        if (req.method === 'engine.stats') return { id: req.id, result: stats };
        return undefined;
      };
      transports.push(t);
      return t;
    },
    random: () => 0.5,
  });
  const stop = startStoreHealthPolling(client, 10_000);
  client.start();
  await vi.advanceTimersByTimeAsync(0);
  expect(useStoreHealth.getState().status).toMatchObject({ ok: false, readings: 1 });
  expect(useStoreHealth.getState().stats?.spilled).toBe(3);

  await vi.advanceTimersByTimeAsync(10_000);
  expect(useStoreHealth.getState().status).toMatchObject({ ok: true, readings: 2 });

  // an unanswered ask (sent at 20 s) is not asked again on top of itself at 30 s; once it
  // times out (15 s), polling goes on
  answerStatus = false;
  await vi.advanceTimersByTimeAsync(24_000);
  expect(transports[0]?.requests('store.status')).toHaveLength(3);
  await vi.advanceTimersByTimeAsync(10_000);
  expect(transports[0]?.requests('store.status')).toHaveLength(4);
  stop();
  client.close();
});

test('an engine without the method reports the error, and nothing else breaks', async () => {
  const client = new RpcClient({
    connect: async () => {
      const t = new FakeTransport();
      t.responder = (req) => ({
        id: req.id,
        error: { code: 'UNKNOWN_METHOD', message: `unknown method "${req.method}"` },
      });
      return t;
    },
  });
  const stop = startStoreHealthPolling(client, 10_000);
  client.start();
  await vi.advanceTimersByTimeAsync(0);
  expect(useStoreHealth.getState()).toMatchObject({
    status: null,
    statusError: 'unknown method "store.status"',
  });
  stop();
  client.close();
});
