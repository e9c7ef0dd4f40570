/**
 * A device found on MQTT gets a profile through the registry, live: the engine (real SQLite
 * file, no demo) reads a real mosquitto broker; after the assignment its next readings are
 * checked against the profile's ranges and its metrics carry the profile's units, and an
 * edit of the profile changes both again without a restart.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DeviceSummarySchema } from '../../../common/contract';
import { MosquittoBroker } from '../connectors/mqtt/mosquitto-harness';
import { createEngine, type Engine } from '../engine';
import { createLogger } from '../log';
import { rawClient, transportPair } from '../test-transport';

const log = createLogger({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let broker: MosquittoBroker;
let engine: Engine;
let publisher: MqttClient;
let client: ReturnType<typeof rawClient>;

/** The error message of a refused call, or undefined when it worked. */
async function refusal(method: string, params?: unknown): Promise<string | undefined> {
  const reply = await client.call(method, params);
  return (reply.error as { message: string } | undefined)?.message;
}

async function call(method: string, params?: unknown): Promise<unknown> {
  const reply = await client.call(method, params);
  if (reply.error) throw new Error(`${method}: ${(reply.error as { message: string }).message}`);
  return reply.result;
}

async function device(id: string) {
  return DeviceSummarySchema.parse(await call('devices.get', { deviceId: id }));
}

/** Publishes one value and waits until the engine shows it as the metric's last value. */
async function publish(value: number): Promise<{ quality: string; unit: string }> {
  await publisher.publishAsync('site/boiler-7/pressure', JSON.stringify(value), { qos: 1 });
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const d = await device('boiler-7').catch(() => undefined);
    const m = d?.metrics.find((x) => x.name === 'pressure');
    if (m?.last?.value === value) return { quality: m.last.quality, unit: m.unit };
    await sleep(50);
  }
  throw new Error(`the engine never showed pressure ${value}`);
}

beforeAll(async () => {
  broker = new MosquittoBroker();
  await broker.start();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-profiles-int-'));
  engine = await createEngine({ dataDir, demo: false, host: 'test', log });
  const [server, end] = transportPair();
  engine.connect(server);
  client = rawClient(end);
  await call('connectors.add', {
    kind: 'mqtt',
    config: {
      id: 'plant-broker',
      url: broker.url,
      subscriptions: [{ topicTemplate: 'site/{deviceId}/{metric}' }],
    },
  });
  publisher = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
  // the connector subscribes once connected: publish until the first value lands
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await publish(3);
      break;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
  }
}, 30_000);

afterAll(async () => {
  await publisher?.endAsync();
  await engine?.close();
  await broker?.stop();
});

describe('a profile assigned to a discovered MQTT device, live', () => {
  test('before: no profile, no unit, nothing flagged', async () => {
    const d = await device('boiler-7');
    expect(d).toMatchObject({ kind: 'mqtt device', profile: '', transport: 'mqtt' });
    expect(await publish(9)).toEqual({ quality: 'good', unit: '' });
  });

  test('an unknown profile is refused with the known ones listed', async () => {
    expect(await refusal('registry.update', { deviceId: 'boiler-7', profile: 'boilr' })).toBe(
      'unknown profile "boilr"; known: ble-vibration-tag, env-sensor, power-meter, pressure-sensor, pump',
    );
  });

  test('a user profile assigned: ranges flag its readings and its metric has the unit; editing it changes both', async () => {
    await call('profiles.save', {
      create: true,
      definition: {
        id: 'boiler',
        name: 'Boiler',
        metrics: { pressure: { unit: 'bar', min: 0, max: 6 } },
      },
    });
    await call('registry.update', { deviceId: 'boiler-7', profile: 'boiler' });
    expect((await device('boiler-7')).metrics[0]).toMatchObject({
      name: 'pressure',
      unit: 'bar',
      min: 0,
      max: 6,
    });
    expect(await publish(9.5)).toEqual({ quality: 'out-of-range', unit: 'bar' });
    expect(await publish(4)).toEqual({ quality: 'good', unit: 'bar' });

    // the UI hears of the new unit with no new reading: the summary is sent again within a few
    // update periods (500 ms), well before the quiet device would turn stale (5 s)
    await call('stream.subscribe', { stream: 'devices.changed' });
    await sleep(800);
    const since = client.received.length;
    const pushedUnit = () =>
      client.received
        .slice(since)
        .filter((m) => m.stream === 'devices.changed')
        .flatMap((m) => DeviceSummarySchema.array().parse(m.data))
        .filter((d) => d.id === 'boiler-7')
        .at(-1)?.metrics[0]?.unit;
    await call('profiles.save', {
      create: false,
      definition: { id: 'boiler', name: 'Boiler', metrics: { pressure: { unit: 'kPa', min: 0, max: 1000 } } },
    });
    const deadline = Date.now() + 2000;
    while (pushedUnit() !== 'kPa' && Date.now() < deadline) await sleep(50);
    expect(pushedUnit()).toBe('kPa');
    expect(await publish(9.25)).toEqual({ quality: 'good', unit: 'kPa' });
    expect(await publish(1200)).toEqual({ quality: 'out-of-range', unit: 'kPa' });

    // the assignment is in the audit trail, and the profile cannot go while the device has it
    const audit = (await call('audit.list', { subject: 'boiler-7', action: 'device.updated' })) as {
      entries: { before: unknown; after: unknown }[];
    };
    expect(audit.entries[0]).toMatchObject({ before: { profile: '' }, after: { profile: 'boiler' } });
    expect(await refusal('profiles.delete', { id: 'boiler' })).toBe(
      'profile "boiler" is used by 1 device (boiler-7); give them another profile first',
    );
  });
});
