/**
 * Notifications for the GATT explorer and vendor characteristics mapped by device
 * profiles, with real noble over the simulated BLE binding (no radio on this machine).
 * What the peripheral is told is read from the binding's own 'notify' events.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { streams } from '../../../../common/contract';
import { RpcError } from '../../../../common/protocol';
import { createDeviceTools } from '../device-tools';
import type { BleConnector, GattValue } from './ble-connector';
import { nobleIdFor, type SimulatedPeripheralSpec } from './simulated-binding';
import { type RecordingSink, type SimulatedBleSetup, simulatedBleConnector, waitFor } from './test-helpers';

const TAG = 'c0:ff:ee:00:00:71';
const ENV = 'c0:ff:ee:00:00:72';
// the vendor service of resources/profiles/ble-vibration-tag.json
const VENDOR_SERVICE = '7e1a0001-5f3c-4b8e-9a61-2f0c3d4e5a01';
const MOTION = '7e1a0002-5f3c-4b8e-9a61-2f0c3d4e5a01';
const SURFACE = '7e1a0003-5f3c-4b8e-9a61-2f0c3d4e5a01';
const key = (u: string) => u.replace(/-/g, '');
// a vendor characteristic no profile maps: only explorer subscribers hold it
const DEBUG_SERVICE = 'd0000001-0000-4000-8000-000000000001';
const DEBUG_CHAR = 'd0000002-0000-4000-8000-000000000001';

/** vibration int16 BE ×0.01 mm/s, then speed uint16 BE rpm */
const motion = (mmPerS: number, rpm: number) => {
  const b = Buffer.alloc(4);
  b.writeInt16BE(Math.round(mmPerS * 100), 0);
  b.writeUInt16BE(rpm, 2);
  return b;
};
const float32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeFloatLE(v);
  return b;
};

const tagSpec: SimulatedPeripheralSpec = {
  address: TAG,
  name: 'VIB-TAG-1',
  drift: false,
  values: { battery: 70 },
  extraServices: [
    {
      uuid: VENDOR_SERVICE,
      characteristics: [
        { uuid: MOTION, properties: ['read', 'notify'], value: motion(1.5, 1480) },
        { uuid: SURFACE, properties: ['notify'], value: float32(35) },
      ],
    },
  ],
};
const envSpec: SimulatedPeripheralSpec = {
  address: ENV,
  name: 'ENV-DBG',
  drift: false,
  values: { temperature: 20.25 },
  extraServices: [
    {
      uuid: DEBUG_SERVICE,
      characteristics: [{ uuid: DEBUG_CHAR, properties: ['notify'], value: Uint8Array.from([0]) }],
    },
  ],
};

interface Setup extends SimulatedBleSetup {
  /** every CCCD change the binding was asked for, as "characteristic on|off" */
  cccd: string[];
}

function setup(peripherals: SimulatedPeripheralSpec[], notifyIntervalMs = 30): Setup {
  const s = simulatedBleConnector(
    {
      devices: [
        { name: 'VIB-TAG-1', deviceId: 'vib-1', profile: 'ble-vibration-tag' },
        { name: 'ENV-DBG', deviceId: 'env-dbg' },
      ],
    },
    { peripherals, notifyIntervalMs },
  );
  const cccd: string[] = [];
  s.binding.on('notify', (_id: string, _s: string, c: string, enable: boolean) =>
    cccd.push(`${c} ${enable ? 'on' : 'off'}`),
  );
  return { ...s, cccd };
}

const latest = (sink: RecordingSink, deviceId: string, metric: string) =>
  sink.all.filter((r) => r.deviceId === deviceId && r.metric === metric).at(-1);
const connected = (c: BleConnector, address: string) =>
  c.peripherals().some((p) => p.address === address && p.link === 'connected');

describe('vendor characteristics mapped by a device profile, over the simulated BLE binding', () => {
  test('the shipped ble-vibration-tag profile turns a packed int16/uint16 big-endian value and a float32 into readings', async () => {
    const { connector: c, sink, binding: b } = setup([tagSpec]);
    c.start();
    // subscribed and read once at connect: 1.5 mm/s, 1480 rpm
    await waitFor('first vendor readings', () => latest(sink, 'vib-1', 'speed')?.value === 1480);
    expect(latest(sink, 'vib-1', 'vibration')?.value).toBe(1.5);
    expect(sink.devices.find((d) => d.id === 'vib-1')?.profile).toBe('ble-vibration-tag');

    b.notifyValue(TAG, VENDOR_SERVICE, MOTION, motion(23.45, 1500));
    b.notifyValue(TAG, VENDOR_SERVICE, SURFACE, float32(41.3));
    await waitFor('notified values', () => latest(sink, 'vib-1', 'surface_temperature')?.value === 41.3);
    expect(latest(sink, 'vib-1', 'vibration')).toMatchObject({
      value: 23.45,
      quality: 'good',
      source: 'ble-1',
    });
    expect(latest(sink, 'vib-1', 'speed')?.value).toBe(1500);
    // the standard Battery Level still decodes beside them
    expect(latest(sink, 'vib-1', 'battery')?.value).toBe(70);

    // "not known" (0x8000) is a null reading, not an error
    b.notifyValue(TAG, VENDOR_SERVICE, MOTION, Uint8Array.from([0x80, 0x00, 0x05, 0xdc]));
    await waitFor('null vibration', () => latest(sink, 'vib-1', 'vibration')?.value === null);
    expect(latest(sink, 'vib-1', 'vibration')?.quality).toBe('null');
    expect(c.status().decodeErrors).toBe(0);

    // the explorer names the characteristic by its metrics and decodes a read by the profile
    const id = nobleIdFor(TAG);
    const vendor = (await c.services(id)).find((s) => s.uuid === key(VENDOR_SERVICE));
    expect(vendor?.characteristics.map((x) => x.name)).toEqual([
      'vibration, speed (ble-vibration-tag)',
      'surface_temperature (ble-vibration-tag)',
    ]);
    const read = await c.read(id, VENDOR_SERVICE, MOTION);
    expect(read.decoded).toEqual({ metric: 'vibration', unit: 'mm/s', value: null });
    b.notifyValue(TAG, VENDOR_SERVICE, MOTION, motion(4.2, 900));
    expect((await c.read(id, VENDOR_SERVICE, MOTION)).decoded).toEqual({
      metric: 'vibration',
      unit: 'mm/s',
      value: 4.2,
    });
  });

  test('hostile vendor values: short, long, NaN and random bytes are counted errors and never a reading or a crash', async () => {
    const { connector: c, sink, binding: b } = setup([tagSpec]);
    c.start();
    await waitFor('connected', () => latest(sink, 'vib-1', 'speed') !== undefined);
    const before = sink.all.filter((r) => r.deviceId === 'vib-1' && r.metric !== 'battery').length;
    b.notifyValue(TAG, VENDOR_SERVICE, MOTION, Uint8Array.from([1, 2, 3]));
    b.notifyValue(TAG, VENDOR_SERVICE, MOTION, Uint8Array.from([1, 2, 3, 4, 5]));
    b.notifyValue(TAG, VENDOR_SERVICE, SURFACE, Uint8Array.from([]));
    b.notifyValue(TAG, VENDOR_SERVICE, SURFACE, float32(Number.NaN));
    await waitFor('four errors', () => c.status().decodeErrors === 4);
    // a wrong-length packed value is one error, not one per metric it carries
    expect(c.status().lastError).toMatch(/surface_temperature .*not a finite number/);
    expect(sink.all.filter((r) => r.deviceId === 'vib-1' && r.metric !== 'battery').length).toBe(before);

    // random bytes: every value is either two readings (exactly 4 bytes) or one counted error
    const samples = fc.sample(fc.uint8Array({ maxLength: 8 }), { numRuns: 200, seed: 5 });
    const errorsBefore = c.status().decodeErrors;
    const countBefore = sink.all.filter((r) => r.metric === 'speed').length;
    for (const bytes of samples) b.notifyValue(TAG, VENDOR_SERVICE, MOTION, bytes);
    const wrong = samples.filter((s) => s.length !== 4).length;
    const right = samples.length - wrong;
    expect(wrong).toBeGreaterThan(50);
    expect(right).toBeGreaterThan(10);
    await waitFor(
      'all random values handled',
      () =>
        c.status().decodeErrors === errorsBefore + wrong &&
        sink.all.filter((r) => r.metric === 'speed').length === countBefore + right,
    );
    // still alive and decoding
    b.notifyValue(TAG, VENDOR_SERVICE, MOTION, motion(2, 1200));
    await waitFor('alive', () => latest(sink, 'vib-1', 'speed')?.value === 1200);
    expect(c.status().state).toBe('connected');
  });
});

describe('explorer subscriptions over the simulated BLE binding', () => {
  test('two subscribers on a vendor characteristic: the peripheral stops only when the last one lets go', async () => {
    const { connector: c, binding: b, cccd } = setup([envSpec]);
    c.start();
    await waitFor('connected', () => connected(c, ENV));
    const id = nobleIdFor(ENV);
    const a: GattValue[] = [];
    const z: GattValue[] = [];
    const stopA = await c.subscribe(id, DEBUG_SERVICE, DEBUG_CHAR, (v) => a.push(v));
    const stopZ = await c.subscribe(id, DEBUG_SERVICE, DEBUG_CHAR, (v) => z.push(v));
    // one CCCD write for both
    expect(cccd.filter((x) => x.startsWith(key(DEBUG_CHAR)))).toEqual([`${key(DEBUG_CHAR)} on`]);
    b.notifyValue(ENV, DEBUG_SERVICE, DEBUG_CHAR, Uint8Array.from([1]));
    await waitFor('both got it', () => a.length === 1 && z.length === 1);
    expect(a[0]).toMatchObject({ hex: '01', decoded: null, error: null });

    await stopA();
    await stopA(); // twice is harmless
    expect(cccd.filter((x) => x.startsWith(key(DEBUG_CHAR)))).toEqual([`${key(DEBUG_CHAR)} on`]);
    b.notifyValue(ENV, DEBUG_SERVICE, DEBUG_CHAR, Uint8Array.from([2]));
    await waitFor('second only', () => z.length === 2);
    expect(a.length).toBe(1);

    await stopZ();
    expect(cccd.filter((x) => x.startsWith(key(DEBUG_CHAR)))).toEqual([
      `${key(DEBUG_CHAR)} on`,
      `${key(DEBUG_CHAR)} off`,
    ]);
    b.notifyValue(ENV, DEBUG_SERVICE, DEBUG_CHAR, Uint8Array.from([3]));
    await new Promise((r) => setTimeout(r, 50));
    expect(z.length).toBe(2);
  });

  test("a subscriber on a standard measurement lets go without stopping the connector's own readings", async () => {
    const { connector: c, sink, binding: b, cccd } = setup([envSpec]);
    c.start();
    await waitFor('connected', () => connected(c, ENV));
    const id = nobleIdFor(ENV);
    const seen: GattValue[] = [];
    const stop = await c.subscribe(id, '181a', '2a6e', (v) => seen.push(v));
    await waitFor('explorer values', () => seen.length >= 2);
    expect(seen[0]!.decoded).toEqual({ metric: 'temperature', unit: '°C', value: 20.25 });
    await stop();
    expect(cccd).not.toContain('2a6e off');
    b.setValues(ENV, { temperature: 19.5 });
    await waitFor('connector readings go on', () => latest(sink, 'env-dbg', 'temperature')?.value === 19.5);
    // a characteristic that cannot notify is refused with a clear error
    await expect(c.subscribe(id, '181a', '2a21', () => {})).rejects.toThrow(/does not notify/);
  });

  test('a dropped link ends the subscription and says so; after the reconnect a new one works', async () => {
    const { connector: c, binding: b, cccd } = setup([envSpec]);
    c.start();
    await waitFor('connected', () => connected(c, ENV));
    const id = nobleIdFor(ENV);
    const ended: string[] = [];
    const stop = await c.subscribe(
      id,
      DEBUG_SERVICE,
      DEBUG_CHAR,
      () => {},
      (reason) => ended.push(reason),
    );
    b.remoteDisconnect(ENV);
    await waitFor('told', () => ended.length === 1);
    expect(ended[0]).toMatch(/link .* dropped/);
    await waitFor('reconnected', () => connected(c, ENV));
    // letting go of a subscription from the old connection touches nothing on the new one
    await stop();
    const got: number[] = [];
    const again = await c.subscribe(id, DEBUG_SERVICE, DEBUG_CHAR, (v) => got.push(v.bytes[0]!));
    b.notifyValue(ENV, DEBUG_SERVICE, DEBUG_CHAR, Uint8Array.from([9]));
    await waitFor('value after reconnect', () => got.includes(9));
    await again();
    expect(cccd.filter((x) => x.startsWith(key(DEBUG_CHAR))).at(-1)).toBe(`${key(DEBUG_CHAR)} off`);
  });
});

describe('ble.notifications stream (device tools) over the simulated BLE binding', () => {
  type Batch = { values: (GattValue & { ts: number })[]; error: string | null; dropped: number };
  const schema = streams['ble.notifications'].data;

  function open(c: BleConnector, characteristic = DEBUG_CHAR, service = DEBUG_SERVICE) {
    const tools = createDeviceTools((x) => (x === 'ble-1' ? c : undefined));
    const batches: { at: number; batch: Batch }[] = [];
    const stop = tools.bleNotifications(
      { connectorId: 'ble-1', peripheralId: nobleIdFor(ENV), service, characteristic },
      (batch) => {
        expect(schema.safeParse(batch).success).toBe(true);
        batches.push({ at: Date.now(), batch: batch as Batch });
      },
    );
    const values = () => batches.flatMap((x) => x.batch.values);
    return { batches, stop, values, tools };
  }

  test('batches at most 10 a second, bounded, stamped; stopping turns the peripheral off', async () => {
    const { connector: c, binding: b, cccd } = setup([envSpec]);
    c.start();
    await waitFor('connected', () => connected(c, ENV));
    const s = open(c);
    await waitFor('subscribed', () => cccd.includes(`${key(DEBUG_CHAR)} on`));
    // 2 s of a notification every 5 ms (200/s)
    const t0 = Date.now();
    let n = 0;
    const pump = setInterval(
      () => b.notifyValue(ENV, DEBUG_SERVICE, DEBUG_CHAR, Uint8Array.from([n++ & 0xff])),
      5,
    );
    await new Promise((r) => setTimeout(r, 2_000));
    clearInterval(pump);
    await waitFor('all delivered', () => s.values().length === n);
    const inWindow = s.batches.filter((x) => x.at - t0 <= 2_000).length;
    expect(inWindow).toBeLessThanOrEqual(21);
    expect(inWindow).toBeGreaterThan(5);
    for (let i = 1; i < s.batches.length; i++) {
      expect(s.batches[i]!.at - s.batches[i - 1]!.at).toBeGreaterThanOrEqual(90);
    }
    expect(s.values().map((v) => Number.parseInt(v.hex, 16))).toEqual(
      Array.from({ length: n }, (_, i) => i & 0xff),
    );
    for (const v of s.values()) {
      expect(v.ts).toBeGreaterThanOrEqual(t0);
      expect(v.ts).toBeLessThanOrEqual(Date.now());
    }

    // a burst far faster than a subscriber needs keeps the newest 200 and counts the rest
    const before = s.values().length;
    for (let i = 0; i < 1_000; i++)
      b.notifyValue(ENV, DEBUG_SERVICE, DEBUG_CHAR, Uint8Array.from([i & 0xff]));
    await waitFor('burst counted', () => s.batches.some((x) => x.batch.dropped > 0));
    const burst = s.values().slice(before);
    const droppedTotal = s.batches.reduce((sum, x) => sum + x.batch.dropped, 0);
    expect(burst.length + droppedTotal).toBe(1_000);
    expect(Math.max(...s.batches.map((x) => x.batch.values.length))).toBeLessThanOrEqual(200);
    expect(burst.at(-1)?.hex).toBe((999 & 0xff).toString(16).padStart(2, '0'));

    s.stop();
    await waitFor('peripheral told to stop', () => cccd.includes(`${key(DEBUG_CHAR)} off`));
    const count = s.values().length;
    b.notifyValue(ENV, DEBUG_SERVICE, DEBUG_CHAR, Uint8Array.from([1]));
    await new Promise((r) => setTimeout(r, 250));
    expect(s.values().length).toBe(count);
  });

  test('a dropped link shows as an error and the stream picks up again after the reconnect', async () => {
    const { connector: c, binding: b, cccd } = setup([envSpec]);
    c.start();
    await waitFor('connected', () => connected(c, ENV));
    const s = open(c);
    await waitFor('subscribed', () => cccd.includes(`${key(DEBUG_CHAR)} on`));
    b.remoteDisconnect(ENV);
    await waitFor(
      'error shown',
      () => s.batches.some((x) => /link to the peripheral dropped/.test(x.batch.error ?? '')),
      3_000,
    );
    await waitFor(
      'resubscribed',
      () => cccd.filter((x) => x === `${key(DEBUG_CHAR)} on`).length === 2,
      5_000,
    );
    b.notifyValue(ENV, DEBUG_SERVICE, DEBUG_CHAR, Uint8Array.from([0x42]));
    await waitFor('values again', () => s.values().some((v) => v.hex === '42'));
    expect(s.batches.at(-1)?.batch.error).toBeNull();
    s.stop();
  });

  test('refused up front for an unknown or non-BLE connector; a characteristic that cannot notify is an error batch', async () => {
    const { connector: c } = setup([envSpec]);
    c.start();
    await waitFor('connected', () => connected(c, ENV));
    const tools = createDeviceTools((x) =>
      x === 'ble-1'
        ? c
        : x === 'other'
          ? { id: 'other', status: c.status, start() {}, stop: async () => {} }
          : undefined,
    );
    const ref = { peripheralId: nobleIdFor(ENV), service: '181a', characteristic: '2a21' };
    expect(() => tools.bleNotifications({ connectorId: 'nope', ...ref }, () => {})).toThrow(RpcError);
    expect(() => tools.bleNotifications({ connectorId: 'other', ...ref }, () => {})).toThrow(
      /not a BLE connector/,
    );
    const errors: (string | null)[] = [];
    const stop = tools.bleNotifications({ connectorId: 'ble-1', ...ref }, (b) => errors.push(b.error));
    await waitFor('error batch', () => errors.length > 0);
    expect(errors[0]).toMatch(/cannot subscribe: characteristic 2a21 does not notify/);
    stop();
  });
});
