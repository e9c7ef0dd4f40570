import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { DeviceSummarySchema } from '../../../common/contract';
import { createEngine } from '../engine';
import { createLogger } from '../log';
import { DATABASE_FILE } from '../store/database';
import { rawClient, transportPair } from '../test-transport';
import { engineDataDir } from './demo-data-dir';

const log = createLogger({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function run<T>(
  dataDir: string,
  demo: boolean,
  body: (call: (m: string, p?: unknown) => Promise<unknown>) => Promise<T>,
) {
  const engine = await createEngine({ dataDir: engineDataDir(dataDir, demo), demo, host: 'test', log });
  const [server, client] = transportPair();
  engine.connect(server);
  const c = rawClient(client);
  try {
    return await body(async (m, p) => (await c.call(m, p)).result);
  } finally {
    await engine.close();
  }
}

describe('the demo in its own data folder (real engine, real SQLite files)', () => {
  test('a --no-demo start after a demo start on the same data folder shows no demo devices, audit or history', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-demo-dir-'));
    const demoDevices = await run(dataDir, true, async (call) => {
      await sleep(1500);
      const info = (await call('engine.info')) as { dataDir: string; demo: boolean };
      expect(info).toMatchObject({ dataDir: path.join(dataDir, 'demo'), demo: true });
      return DeviceSummarySchema.array().parse(await call('devices.list'));
    });
    expect(demoDevices.length).toBeGreaterThanOrEqual(12);
    expect(existsSync(path.join(dataDir, 'demo', DATABASE_FILE))).toBe(true);

    await run(dataDir, false, async (call) => {
      expect(await call('devices.list')).toEqual([]);
      expect(((await call('audit.list', {})) as { entries: unknown[] }).entries).toEqual([]);
      const status = (await call('store.status')) as { readings: number };
      expect(status.readings).toBe(0);
      expect(((await call('engine.info')) as { dataDir: string }).dataDir).toBe(dataDir);
    });
  }, 30_000);
});
