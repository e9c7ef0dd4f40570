import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { type DeviceSummary, DeviceSummarySchema } from '../../../common/contract';
import { createEngine } from '../engine';
import { createLogger } from '../log';
import { DATABASE_FILE } from '../store/database';
import { rawClient, transportPair } from '../test-transport';
import { engineDataDir } from './demo-data-dir';
import { removeLegacyDemoDevices } from './legacy-demo-cleanup';

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

  test('demo devices an earlier version left in the site folder are removed on a --no-demo start, audited', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-legacy-demo-'));
    // what earlier versions did: the demo on the site's own folder
    const engine = await createEngine({ dataDir, demo: true, host: 'test', log });
    await sleep(1500);
    await engine.close();

    await run(dataDir, false, async (call) => {
      let devices: unknown[] = [];
      for (let i = 0; i < 50; i++) {
        devices = (await call('devices.list')) as unknown[];
        if (devices.length === 0) break;
        await sleep(100);
      }
      expect(devices).toEqual([]);
      const removed = (await call('audit.list', { action: 'device.removed' })) as {
        entries: { actor: string; after: { readings: string; reason: string } }[];
      };
      expect(removed.entries.length).toBeGreaterThanOrEqual(12);
      for (const e of removed.entries) {
        expect(e.actor).toBe('engine');
        expect(e.after).toMatchObject({
          readings: 'purge',
          reason: expect.stringMatching(/earlier version/),
        });
      }
    });
  }, 30_000);

  test("the cleanup leaves a device alone when a real connector uses the demo's id, or another connector", async () => {
    const removed: string[] = [];
    const device = (id: string, connectorId: string) => ({ id, connectorId }) as DeviceSummary;
    const out = await removeLegacyDemoDevices({
      devices: () => [device('a', 'demo-serial'), device('b', 'demo-mqtt'), device('c', 'line-1')],
      connectorExists: (id) => id === 'demo-mqtt',
      hasCredential: () => false,
      retireCredentials: async () => {},
      remove: (id) => removed.push(id),
      log,
    });
    expect(out).toEqual(['a']);
    expect(removed).toEqual(['a']);
  });

  test('a demo unit holding a credential has it retired before it is removed', async () => {
    const steps: string[] = [];
    await removeLegacyDemoDevices({
      devices: () => [{ id: 'unit-1', connectorId: 'demo-plant-mqtt' } as DeviceSummary],
      connectorExists: () => false,
      hasCredential: () => true,
      retireCredentials: async (id) => steps.push(`retire ${id}`),
      remove: (id) => steps.push(`remove ${id}`),
      log,
    });
    expect(steps).toEqual(['retire unit-1', 'remove unit-1']);
  });
});
