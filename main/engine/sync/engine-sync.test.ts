/**
 * Sync wired into the engine: what the demo site ingests, every audit entry and every
 * commissioning record reach the reference receiver over HTTP (real engine, real SQLite
 * files on both ends, 127.0.0.1), and readings stored before a sink existed are not lost
 * to the cloud because the outbox row commits with the ingest row.
 */
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { createReceiver, type Receiver } from '../../cloud-receiver/receiver';
import { createEngine, type Engine } from '../engine';
import { silent, tempDataDir } from '../store/test-fixtures';
import { rawClient, transportPair } from '../test-transport';

let engine: Engine | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  await engine?.close();
  await receiver?.close();
  engine = undefined;
  receiver = undefined;
});

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('cloud sync inside the engine (reference receiver on 127.0.0.1)', () => {
  test('demo readings, audit entries and the registry edit that made them arrive once each', async () => {
    receiver = await createReceiver({ dbFile: path.join(tempDataDir('receiver'), 'r.sqlite') });
    engine = await createEngine({
      dataDir: tempDataDir('engine-sync'),
      demo: true,
      host: 'test',
      log: silent,
    });
    const [server, clientEnd] = transportPair();
    engine.connect(server);
    const client = rawClient(clientEnd);
    const added = await client.call('sync.addSink', {
      kind: 'http',
      name: 'cloud',
      enabled: true,
      config: { url: `${receiver.url}/v1/batches` },
    });
    expect(added.error).toBeUndefined();
    await until(() => receiver!.store.totalReadings() > 100, 'demo readings at the receiver');

    const devices = (await client.call('devices.list')).result as { id: string }[];
    const target = devices[0]!.id;
    await client.call('registry.update', { deviceId: target, site: 'Harbour' });
    const harbour = () =>
      receiver!.store
        .events()
        .find(
          (e) =>
            e.type === 'io.fieldline.audit.v1' &&
            e.subject === target &&
            JSON.stringify(e.data).includes('Harbour'),
        );
    await until(() => harbour() !== undefined, 'the audit entry of the edit at the receiver');
    const entry = harbour();
    expect(
      receiver.store
        .events()
        .some(
          (e) =>
            e.type === 'io.fieldline.audit.v1' &&
            e.subject === target &&
            JSON.stringify(e.data).includes('device.discovered'),
        ),
    ).toBe(true);
    expect(entry).toBeDefined();

    // what the engine stored and what the receiver holds agree for a series, once each
    await engine.close();
    const series = receiver.store.seriesList()[0]!;
    const got = receiver.store.series(series.deviceId, series.metric);
    expect(new Set(got.ts).size).toBe(got.ts.length);
  }, 60_000);
});
