import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { createEngine } from '../engine';
import { createLogger } from '../log';
import { rawClient, transportPair } from '../test-transport';

const log = createLogger({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('registry.remove over RPC: every open devices.removed stream hears it, unknown devices are NOT_FOUND', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-remove-rpc-'));
  const engine = await createEngine({ dataDir, demo: true, host: 'test', log });
  try {
    const [server, clientEnd] = transportPair();
    engine.connect(server);
    const client = rawClient(clientEnd);
    await sleep(1000);
    await client.call('stream.subscribe', { stream: 'devices.removed' });
    const reply = await client.call('registry.remove', { deviceId: 'pm-301', readings: 'purge' });
    expect(reply.result).toMatchObject({ deviceId: 'pm-301', readings: 'purge' });
    await sleep(50);
    expect(client.received.filter((m) => m.stream === 'devices.removed').map((m) => m.data)).toEqual([
      { deviceIds: ['pm-301'] },
    ]);
    expect(
      (await client.call('registry.remove', { deviceId: 'nope', readings: 'keep' })).error,
    ).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(
      (await client.call('registry.remove', { deviceId: 'th-101', readings: 'maybe' })).error,
    ).toMatchObject({
      code: 'INVALID_PARAMS',
    });
  } finally {
    await engine.close();
  }
});
