/**
 * What `npm run bench:soak` relies on, against the built headless host: `--demo-site` runs
 * a site definition of one's own, and `engine.memory` reports the engine's memory over RPC.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { connectRpc, type RunningHost, startHost, tempDataDir, waitFor } from './harness';

let host: RunningHost | undefined;
afterAll(async () => {
  await host?.stop();
});

const SITE = {
  site: 'soak',
  name: 'Two sensors',
  anomalies: { duplicate: 0, outOfOrder: 0, impossible: 0 },
  connectors: [{ id: 'soak-serial', kind: 'serial', label: 'simulated serial' }],
  devices: ['a', 'b'].map((x) => ({
    id: `soak-${x}`,
    name: `Soak ${x}`,
    kind: 'temperature/humidity sensor',
    profile: 'env-sensor',
    connector: 'soak-serial',
    rateHz: 5,
    metrics: { temperature: { base: 20, amplitude: 1 } },
  })),
};

type Device = { id: string; metrics: { metric: string }[] };

test('--demo-site runs that site, and engine.memory reports the process and its SQLite cache', async () => {
  const dataDir = tempDataDir('soak-host');
  const siteFile = path.join(dataDir, 'site.json');
  writeFileSync(siteFile, JSON.stringify(SITE));
  host = await startHost({ dataDir, args: ['--demo-site', siteFile] });
  const rpc = await connectRpc(host);
  const devices = await waitFor('both soak devices reporting', async () => {
    const list = await rpc.request<Device[]>('devices.list');
    return list.filter((d) => d.metrics.length > 0).length === 2 ? list : undefined;
  });
  expect(devices.map((d) => d.id).sort()).toEqual(['soak-a', 'soak-b']);

  const memory = await rpc.request<{
    collected: boolean;
    rssBytes: number;
    heapUsedBytes: number;
    sqlite: { cacheLimitBytes: number; cacheBoundBytes: number; databaseFileBytes: number };
  }>('engine.memory', { collect: true });
  // started without --expose-gc: no collection, and it says so
  expect(memory.collected).toBe(false);
  expect(memory.rssBytes).toBeGreaterThan(memory.heapUsedBytes);
  expect(memory.sqlite.databaseFileBytes).toBeGreaterThan(0);
  expect(memory.sqlite.cacheBoundBytes).toBeLessThanOrEqual(memory.sqlite.cacheLimitBytes);
  const refused = await rpc.call('engine.memory', { collect: 'yes' });
  expect(refused.error?.code).toBe('INVALID_PARAMS');
  rpc.close();
});
