import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { DeviceSummarySchema, LiveBatchSchema, SeriesDataSchema } from '../../common/contract';
import { createEngine, type Engine } from './engine';
import { createLogger } from './log';
import { rawClient, transportPair } from './test-transport';

const log = createLogger({ level: 'silent' });
let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'fieldline-engine-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function started(dataDir = tempDir(), demo = true) {
  engine = await createEngine({ dataDir, demo, host: 'test', log });
  const [server, client] = transportPair();
  engine.connect(server);
  return { dataDir, client: rawClient(client), clientEnd: client };
}

describe('engine with the demo site (real SQLite file in a temp folder)', () => {
  test('lists at least 12 demo devices over serial, BLE and MQTT, and they report', async () => {
    const { client } = await started();
    await sleep(1500);
    const reply = await client.call('devices.list');
    const devices = DeviceSummarySchema.array().parse(reply.result);
    expect(devices.length).toBeGreaterThanOrEqual(12);
    expect(new Set(devices.map((d) => d.transport))).toEqual(new Set(['serial', 'ble', 'mqtt']));
    const reporting = devices.filter((d) => d.state === 'online' && d.metrics.length > 0);
    expect(reporting.length).toBe(devices.length);
    type Status = { id: string; state: string; readingsIn: number };
    let connectors = (await client.call('connectors.list')).result as Status[];
    // the demo site's three, and the demo plant's Bluetooth and broker (demo/demo-plant.ts);
    // the demo plant's broker starts once the first screen has had its time, so it may lag
    expect(connectors).toHaveLength(5);
    const deadline = Date.now() + 10_000;
    while (connectors.some((c) => c.state !== 'connected') && Date.now() < deadline) {
      await sleep(100);
      connectors = (await client.call('connectors.list')).result as Status[];
    }
    for (const c of connectors) expect(c).toMatchObject({ state: 'connected' });
  });

  test('live readings arrive in batches and the same points come back from a query', async () => {
    const { client } = await started();
    const sub = await client.call('stream.subscribe', {
      stream: 'readings.live',
      params: { deviceIds: ['pump-201'] },
    });
    expect(sub.result).toEqual({ sub: expect.any(Number) });
    await sleep(1200);
    const batches = client.received
      .filter((m) => m.stream === 'readings.live')
      .map((m) => LiveBatchSchema.parse(m.data));
    expect(batches.length).toBeGreaterThan(3);
    const points = batches.flatMap((b) => b.series).filter((s) => s.metric === 'vibration');
    for (const s of points) expect(s.deviceId).toBe('pump-201');
    const liveCount = points.reduce((n, s) => n + s.ts.length, 0);
    const allReadings = batches.flatMap((b) => b.series).reduce((n, s) => n + s.ts.length, 0);
    // three metrics at 10 Hz: several readings per message, never one message per reading
    expect(allReadings).toBeGreaterThanOrEqual(batches.length * 2);
    const now = Date.now();
    const q = await client.call('readings.query', {
      deviceId: 'pump-201',
      metric: 'vibration',
      from: now - 60_000,
      to: now + 1000,
      pixelWidth: 5000,
    });
    const series = SeriesDataSchema.parse(q.result);
    expect(series.ts.length).toBeGreaterThanOrEqual(liveCount);
    for (let i = 1; i < series.ts.length; i++) expect(series.ts[i]!).toBeGreaterThan(series.ts[i - 1]!);
    const stored = new Set(series.ts);
    for (const s of points) for (const ts of s.ts) expect(stored.has(ts)).toBe(true);
  });

  test('malformed messages get typed errors and never reach a handler', async () => {
    const { client } = await started(tempDir(), false);
    client.send('not json at all');
    client.send({ id: 'x', method: 1 });
    expect((await client.call('no.such.method')).error).toMatchObject({ code: 'UNKNOWN_METHOD' });
    // every issue at once, in plain words, in the message and (with paths) in the details
    const invalid = (await client.call('readings.query', { deviceId: 42 })).error as {
      message: string;
      details: { path: string; message: string }[];
    };
    expect(invalid).toMatchObject({ code: 'INVALID_PARAMS' });
    expect(invalid.details.length).toBeGreaterThan(1);
    expect(invalid.details[0]).toEqual({ path: 'deviceId', message: expect.stringMatching(/^text/) });
    expect(invalid.message).toMatch(/^invalid params for readings\.query: deviceId: text/);
    expect(invalid.message).not.toMatch(/Invalid input|expected string/);
    expect(
      (await client.call('readings.query', { deviceId: 'a', metric: 'b', from: 10, to: 5 })).error,
    ).toMatchObject({ code: 'INVALID_PARAMS' });
    expect((await client.call('devices.get', { deviceId: 'nope' })).error).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect((await client.call('stream.subscribe', { stream: 'nope' })).error).toMatchObject({
      code: 'UNKNOWN_METHOD',
    });
    expect((await client.call('engine.info', { extra: 1 })).error).toMatchObject({ code: 'INVALID_PARAMS' });
    const bad = client.received.filter((m) => m.id === null);
    expect(bad).toHaveLength(2);
    for (const m of bad) expect(m.error).toMatchObject({ code: 'BAD_MESSAGE' });
  });

  test('the cache survives a restart: readings, devices and last values', async () => {
    const first = await started();
    await sleep(2500);
    const stats = (await first.client.call('engine.stats')).result as Record<string, number>;
    expect(stats.storedTotal).toBeGreaterThan(100);
    await engine?.close();
    // the demo again: a start without it on the demo's folder would remove the demo's devices (legacy-demo-cleanup.ts)
    engine = await createEngine({ dataDir: first.dataDir, demo: true, host: 'test', log });
    const [server, clientEnd] = transportPair();
    engine.connect(server);
    const again = rawClient(clientEnd);
    const after = (await again.call('engine.stats')).result as Record<string, number>;
    expect(after.storedTotal).toBeGreaterThanOrEqual(stats.storedTotal!);
    const devices = DeviceSummarySchema.array().parse((await again.call('devices.list')).result);
    expect(devices.length).toBeGreaterThanOrEqual(12);
    expect(devices.every((d) => d.metrics.every((m) => m.last !== null))).toBe(true);
  });

  test('a client that disconnects has its streams stopped', async () => {
    const { client, clientEnd } = await started();
    await client.call('stream.subscribe', { stream: 'readings.live' });
    clientEnd.close();
    const count = client.received.length;
    await sleep(300);
    expect(client.received.length).toBe(count);
  });

  test('adding a BLE adapter on a machine without Bluetooth says so, and everything else keeps working', async () => {
    const { client } = await started();
    const added = await client.call('connectors.add', { kind: 'ble', config: { id: 'ble0' } });
    expect(added.result).toMatchObject({ id: 'ble0', kind: 'ble' });
    const deadline = Date.now() + 5000;
    let ble: { state: string; detail: string; lastError: string | null } | undefined;
    while (Date.now() < deadline) {
      const list = (await client.call('connectors.list')).result as (typeof ble & { id: string })[];
      ble = list.find((c) => c.id === 'ble0');
      if (ble?.state === 'error') break;
      await sleep(100);
    }
    expect(ble?.state).toBe('error');
    expect(`${ble?.detail} ${ble?.lastError}`).toMatch(/Bluetooth unavailable/);
    const bad = await client.call('connectors.add', { kind: 'ble', config: { id: 'b', scan: { bogus: 1 } } });
    expect(bad.error).toMatchObject({ code: 'INVALID_PARAMS' });
    const devices = DeviceSummarySchema.array().parse((await client.call('devices.list')).result);
    expect(devices.length).toBeGreaterThanOrEqual(12);
    expect((await client.call('connectors.remove', { id: 'ble0' })).result).toEqual({ ok: true });
  });
});
