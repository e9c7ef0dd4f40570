/**
 * A profile given in the registry to a connected BLE device maps its vendor
 * characteristic, end to end through the engine: real SQLite, real noble on the simulated
 * binding, the registry's assignment reaching the connector without a restart.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DeviceSummarySchema } from '../../../common/contract';
import { SimulatedBleBinding } from '../connectors/ble/simulated-binding';
import { createEngine, type Engine } from '../engine';
import { createLogger } from '../log';
import { rawClient, transportPair } from '../test-transport';

const SERVICE = 'a1b20001-0000-4000-8000-00000000c0de';
const LEVEL = 'a1b20002-0000-4000-8000-00000000c0de';

const binding = new SimulatedBleBinding({
  advertiseIntervalMs: 20,
  notifyIntervalMs: 30,
  peripherals: [
    {
      address: 'c0:ff:ee:00:00:91',
      name: 'TANK-9',
      drift: false,
      values: { battery: 80 },
      extraServices: [
        {
          uuid: SERVICE,
          // 1234 mm as uint16 little-endian
          characteristics: [
            { uuid: LEVEL, properties: ['read', 'notify'], value: Uint8Array.from([0xd2, 0x04]) },
          ],
        },
      ],
    },
  ],
});
/** the level in `unit` (raw × scale), and the battery */
const tankGauge = (unit: string, max: number, scale?: number) => ({
  id: 'tank-gauge',
  name: 'Tank gauge',
  metrics: { level: { unit, min: 0, max }, battery: { unit: '%', min: 0, max: 100 } },
  ble: {
    characteristics: [
      {
        service: SERVICE,
        characteristic: LEVEL,
        metric: 'level',
        type: 'uint16',
        ...(scale ? { scale } : {}),
      },
    ],
  },
});

let engine: Engine;
let client: ReturnType<typeof rawClient>;

async function call(method: string, params?: unknown): Promise<unknown> {
  const reply = await client.call(method, params);
  if (reply.error) throw new Error(`${method}: ${(reply.error as { message: string }).message}`);
  return reply.result;
}

async function metric(name: string) {
  const d = DeviceSummarySchema.parse(await call('devices.get', { deviceId: 'tank-9' }));
  return d.metrics.find((m) => m.name === name);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  engine = await createEngine({
    dataDir: mkdtempSync(path.join(os.tmpdir(), 'fieldline-profiles-ble-')),
    demo: false,
    host: 'test',
    log: createLogger({ level: 'silent' }),
    bleBinding: { description: 'simulated BLE binding (test)', create: () => binding },
  });
  const [server, end] = transportPair();
  engine.connect(server);
  client = rawClient(end);
  await call('connectors.add', {
    kind: 'ble',
    config: {
      id: 'radio',
      devices: [{ name: 'TANK-9', deviceId: 'tank-9' }],
      reconnect: { initialMs: 20, maxMs: 200 },
    },
  });
}, 30_000);

afterAll(async () => {
  await engine?.close();
  binding.close();
});

describe('a profile assigned to a connected BLE device', () => {
  test('its vendor characteristic becomes a metric with the unit, and a profile edit rescales it', async () => {
    await until('the battery from the standard service', () => metric('battery'));
    expect(await metric('level')).toBeUndefined();

    await call('profiles.save', { create: true, definition: tankGauge('mm', 5000) });
    await call('registry.update', { deviceId: 'tank-9', profile: 'tank-gauge' });
    const mm = await until('the level in mm', async () => {
      const m = await metric('level');
      return m?.last?.value === 1234 ? m : undefined;
    });
    expect(mm).toMatchObject({ unit: 'mm', last: { quality: 'good' } });

    await call('profiles.save', { create: false, definition: tankGauge('m', 5, 0.001) });
    const m = await until('the level in m', async () => {
      const l = await metric('level');
      return l?.last?.value === 1.234 ? l : undefined;
    });
    expect(m).toMatchObject({ unit: 'm', last: { quality: 'good' } });
  });
});
