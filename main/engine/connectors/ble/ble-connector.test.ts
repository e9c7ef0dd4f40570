import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import { ConnectorStatusSchema } from '../../../../common/contract';
import {
  type BleConnector,
  type BleConnectorConfig,
  BleConnectorConfigSchema,
  createBleConnector,
  type GattValue,
} from './ble-connector';
import { nobleIdFor, type SimulatedBleBinding, type SimulatedPeripheralSpec } from './simulated-binding';
import {
  nobleWithSimulatedBinding,
  quietLogger,
  type RecordingSink,
  recordingSink,
  type SimulatedBleSetup,
  simulatedBleConnector,
  waitFor,
} from './test-helpers';

const ENV1 = 'c0:ff:ee:00:00:01';
const ENV2 = 'c0:ff:ee:00:00:02';
const fixed = (
  address: string,
  name: string,
  values: SimulatedPeripheralSpec['values'],
): SimulatedPeripheralSpec => ({
  address,
  name,
  rssi: -60,
  manufacturerData: Uint8Array.from([0x59, 0x00, 0xaa]),
  values,
  drift: false,
  serial: `SER-${name}`,
});

let binding: SimulatedBleBinding | undefined;
let connector: BleConnector | undefined;
afterEach(async () => {
  await connector?.stop();
  binding?.close();
  connector = undefined;
  binding = undefined;
});

function setup(
  config: Partial<BleConnectorConfig> = {},
  peripherals: SimulatedPeripheralSpec[] = [
    fixed(ENV1, 'Fieldline ENV-1', { temperature: 22.5, humidity: 45.25, pressure: 1013.25, battery: 87 }),
    fixed(ENV2, 'Fieldline ENV-2', { temperature: -3.75, humidity: 80, pressure: 990.5, battery: 12 }),
  ],
): SimulatedBleSetup {
  return simulatedBleConnector(config, { peripherals });
}

const latest = (sink: RecordingSink, deviceId: string, metric: string) =>
  sink.all.filter((r) => r.deviceId === deviceId && r.metric === metric).at(-1)?.value;

describe('BLE connector with noble over the simulated BLE binding', () => {
  test('config schema: defaults, UUID normalisation, devices need an address or a name', () => {
    const c = BleConnectorConfigSchema.parse({
      id: 'b',
      scan: { serviceUuids: ['0x181A', '0000180f-0000-1000-8000-00805f9b34fb'] },
    });
    expect(c.scan.serviceUuids).toEqual(['181a', '180f']);
    expect(c.autoConnect).toBe(true);
    expect(c.reconnect).toEqual({ initialMs: 1000, maxMs: 30000 });
    expect(BleConnectorConfigSchema.parse({ id: 'b' }).scan).toEqual({
      serviceUuids: [],
      allowDuplicates: false,
    });
    expect(() => BleConnectorConfigSchema.parse({ id: 'b', devices: [{ deviceId: 'x' }] })).toThrow();
    expect(() => BleConnectorConfigSchema.parse({ id: 'b', scan: { serviceUuids: ['zz'] } })).toThrow();
  });

  test('scan finds peripherals with RSSI, name, manufacturer data and advertised services (autoConnect off)', async () => {
    const { connector: c, sink, binding: b } = setup({ autoConnect: false });
    c.start();
    await waitFor('two peripherals', () => c.peripherals().length === 2);
    const [a] = c.peripherals().filter((p) => p.address === ENV1);
    expect(a).toMatchObject({
      id: nobleIdFor(ENV1),
      name: 'Fieldline ENV-1',
      manufacturerData: '5900aa',
      companyId: 0x0059,
      serviceUuids: ['181a', '180f'],
      connectable: true,
      link: 'seen',
    });
    expect(a!.rssi).toBeLessThanOrEqual(-56);
    expect(a!.rssi).toBeGreaterThanOrEqual(-64);
    expect(c.status()).toMatchObject({ state: 'connected', devices: 0 });
    expect(() => ConnectorStatusSchema.parse(c.status())).not.toThrow();
    expect(b.stats.connects).toBe(0);
    expect(sink.all).toHaveLength(0);
  });

  test('namePrefix filter and a bounded peripheral table', async () => {
    const many = Array.from({ length: 8 }, (_, i) =>
      fixed(`aa:00:00:00:00:0${i}`, i % 2 === 0 ? `Keep-${i}` : `Skip-${i}`, {}),
    );
    const { connector: c } = setup(
      { autoConnect: false, scan: { namePrefix: 'keep' }, maxPeripherals: 3 },
      many,
    );
    c.start();
    await waitFor('table fills', () => c.peripherals().length === 3);
    await new Promise((r) => setTimeout(r, 60));
    expect(c.peripherals().length).toBe(3);
    for (const p of c.peripherals()) expect(p.name).toMatch(/^Keep-/);
  });

  test('connects, discovers, reads Device Information and turns notifications into readings', async () => {
    const { connector: c, sink } = setup();
    const before = Date.now();
    c.start();
    await waitFor('readings from both', () =>
      ['fieldline-env-1-0001', 'fieldline-env-2-0002'].every((d) =>
        ['temperature', 'humidity', 'pressure', 'battery'].every((m) => latest(sink, d, m) !== undefined),
      ),
    );
    expect(latest(sink, 'fieldline-env-1-0001', 'temperature')).toBe(22.5);
    expect(latest(sink, 'fieldline-env-1-0001', 'humidity')).toBe(45.25);
    expect(latest(sink, 'fieldline-env-1-0001', 'pressure')).toBeCloseTo(1013.25, 6);
    expect(latest(sink, 'fieldline-env-1-0001', 'battery')).toBe(87);
    expect(latest(sink, 'fieldline-env-2-0002', 'temperature')).toBe(-3.75);
    expect(latest(sink, 'fieldline-env-2-0002', 'battery')).toBe(12);
    const r = sink.all[0]!;
    expect(r).toMatchObject({ source: 'ble-1', quality: 'good' });
    expect(r.ts).toBeGreaterThanOrEqual(before);
    expect(r.ts).toBeLessThanOrEqual(Date.now());
    expect(sink.devices.map((d) => d.id).sort()).toEqual(['fieldline-env-1-0001', 'fieldline-env-2-0002']);
    expect(sink.devices[0]).toMatchObject({
      kind: 'BLE sensor',
      transport: 'ble',
      connectorId: 'ble-1',
      profile: 'env-sensor',
    });
    const p = c.peripherals().find((x) => x.address === ENV1)!;
    expect(p.link).toBe('connected');
    expect(p.info).toEqual({
      manufacturer: 'Fieldline Labs',
      model: 'ENV-1',
      serial: 'SER-Fieldline ENV-1',
      firmware: '1.4.2',
    });
    expect(c.status()).toMatchObject({ state: 'connected', devices: 2, decodeErrors: 0 });
    expect(c.status().readingsIn).toBe(sink.all.length);
  });

  test('configured devices: only those are connected, with their device id and profile', async () => {
    const { connector: c, sink } = setup({
      devices: [{ address: ENV2.toUpperCase(), deviceId: 'greenhouse-2', profile: 'pressure-sensor' }],
    });
    c.start();
    await waitFor('readings', () => latest(sink, 'greenhouse-2', 'pressure') !== undefined);
    await new Promise((r) => setTimeout(r, 80));
    expect(new Set(sink.all.map((r) => r.deviceId))).toEqual(new Set(['greenhouse-2']));
    expect(sink.devices[0]).toMatchObject({
      id: 'greenhouse-2',
      profile: 'pressure-sensor',
      name: 'Fieldline ENV-2',
    });
    expect(latest(sink, 'greenhouse-2', 'pressure')).toBeCloseTo(990.5, 6);
  });

  test('GATT explorer: services, read, write, subscribe', async () => {
    const { connector: c } = setup({ autoConnect: false });
    c.start();
    const id = nobleIdFor(ENV1);
    await waitFor('seen', () => c.peripherals().some((p) => p.id === id));
    await expect(c.services(id)).rejects.toThrow(/not connected/);
    await c.connect(id);
    const services = await c.services(id);
    expect(services.map((s) => `${s.uuid} ${s.name}`)).toEqual([
      '181a Environmental Sensing',
      '180f Battery',
      '180a Device Information',
    ]);
    expect(services[0]!.characteristics.find((x) => x.uuid === '2a6e')).toEqual({
      uuid: '2a6e',
      name: 'Temperature',
      properties: ['read', 'notify'],
    });
    const t = await c.read(id, '0x181A', '00002a6e-0000-1000-8000-00805f9b34fb');
    expect(t.decoded).toEqual({ metric: 'temperature', unit: '°C', value: 22.5 });
    expect(t.hex).toBe('ca08');
    const m = await c.read(id, '180a', '2a29');
    expect(m.text).toBe('Fieldline Labs');
    const values: number[] = [];
    const unsubscribe = await c.subscribe(id, '180f', '2a19', (v) => values.push(v.decoded!.value!));
    await waitFor('battery notifications', () => values.length >= 2);
    expect(values[0]).toBe(87);
    await unsubscribe();
    await c.write(id, '181a', '2a21', Uint8Array.from([5, 0]));
    expect((await c.read(id, '181a', '2a21')).bytes).toEqual([5, 0]);
    await expect(c.read(id, '181a', 'ffff')).rejects.toThrow(/no characteristic/);
    await c.disconnect(id);
    expect(c.peripherals().find((p) => p.id === id)!.link).toBe('disconnected');
  });

  test('a disconnect and out of range: reconnects with backoff and data continues', async () => {
    const { connector: c, sink, binding: b } = setup({}, [fixed(ENV1, 'env', { temperature: 20 })]);
    c.start();
    const dev = 'env-0001';
    await waitFor('first readings', () => latest(sink, dev, 'temperature') === 20);
    b.remoteDisconnect(nobleIdFor(ENV1));
    await waitFor('link dropped', () => c.status().devices === 0);
    await waitFor('reconnected', () => c.status().devices === 1 && b.isConnected(nobleIdFor(ENV1)));
    b.setValues(nobleIdFor(ENV1), { temperature: 21 });
    await waitFor('data continues', () => latest(sink, dev, 'temperature') === 21);

    b.outOfRange(nobleIdFor(ENV1));
    await waitFor('out of range', () => c.peripherals()[0]!.link === 'reconnecting');
    const connectsWhileAway = b.stats.connects;
    await new Promise((r) => setTimeout(r, 150));
    expect(b.stats.connects).toBe(connectsWhileAway);
    expect(c.status().lastError).toMatch(/not in range/);
    b.backInRange(nobleIdFor(ENV1));
    b.setValues(nobleIdFor(ENV1), { temperature: 23 });
    await waitFor(
      'back in range',
      () => latest(sink, dev, 'temperature') === 23 && c.status().devices === 1,
      5_000,
    );
    expect(c.status().devices).toBe(1);
    expect(sink.devices.filter((d) => d.id === dev).length).toBeGreaterThanOrEqual(3);
  });

  test('adapter poweredOff: status says Bluetooth unavailable; poweredOn: recovers and reconnects', async () => {
    const { connector: c, sink, binding: b } = setup({}, [fixed(ENV1, 'env', { humidity: 50 })]);
    c.start();
    await waitFor('readings', () => latest(sink, 'env-0001', 'humidity') === 50);
    b.setState('poweredOff');
    await waitFor('error', () => c.status().state === 'error');
    expect(c.status().detail).toBe('Bluetooth unavailable: adapter is poweredOff');
    expect(c.status().devices).toBe(0);
    const n = sink.all.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(sink.all.length).toBe(n);
    b.setValues(nobleIdFor(ENV1), { humidity: 55 });
    b.setState('poweredOn');
    await waitFor('recovered', () => latest(sink, 'env-0001', 'humidity') === 55 && c.status().devices === 1);
    expect(c.status()).toMatchObject({ state: 'connected', devices: 1 });
    expect(sink.statuses.some((s) => s.detail.startsWith('Bluetooth unavailable'))).toBe(true);
  });

  test.each(['unsupported', 'unauthorized'] as const)(
    'adapter %s from the start: error, no throw',
    async (state) => {
      const sim = nobleWithSimulatedBinding({ initialState: state });
      binding = sim.binding;
      const sink = recordingSink();
      connector = createBleConnector({ id: 'ble-x' }, sink, quietLogger(), () => sim.noble);
      connector.start();
      await waitFor('error', () => connector!.status().state === 'error');
      expect(connector.status().detail).toBe(`Bluetooth unavailable: adapter is ${state}`);
    },
  );

  test('a noble loader that throws (no Bluetooth on this machine): Bluetooth unavailable, no throw', async () => {
    const sink = recordingSink();
    connector = createBleConnector({ id: 'ble-none', label: 'Radio' }, sink, quietLogger(), () => {
      throw new Error('Cannot find module bluetooth-hci-socket\n  at require');
    });
    expect(() => connector!.start()).not.toThrow();
    expect(connector.status()).toMatchObject({
      state: 'error',
      label: 'Radio',
      detail: 'Bluetooth unavailable: Cannot find module bluetooth-hci-socket',
    });
    expect(connector.peripherals()).toEqual([]);
    await expect(connector.read('x', '181a', '2a6e')).rejects.toThrow();
    await connector.stop();
    expect(sink.statuses.at(-1)!.detail).toMatch(/^Bluetooth unavailable/);
  });

  test('the default loader on this machine never throws out of start()', async () => {
    const sink = recordingSink();
    connector = createBleConnector({ id: 'ble-real' }, sink, quietLogger());
    expect(() => connector!.start()).not.toThrow();
    // either noble failed to load or the adapter is unknown / not powered on
    expect(['error', 'connecting', 'connected']).toContain(connector.status().state);
    await connector.stop();
  });

  // GSS §3.204 Temperature, §3.124 Humidity, §3.27 Battery Level: prohibited/reserved raw values
  test('reserved GATT values are null readings flagged invalid, counted apart from decode errors', async () => {
    const { connector: c, sink, binding: b } = setup({}, [fixed(ENV1, 'env', { temperature: 20 })]);
    c.start();
    await waitFor('connected', () => c.status().devices === 1);
    const id = nobleIdFor(ENV1);
    const explorer: GattValue[] = [];
    const unsubscribe = await c.subscribe(id, '181a', '2a6f', (v) => explorer.push(v));
    const before = sink.all.length;
    b.injectNotification(id, '181a', '2a6e', Uint8Array.of(0x01, 0x80)); // 0x8001 = -327.67 °C
    b.injectNotification(id, '181a', '2a6f', Uint8Array.of(0xfe, 0xff)); // 0xFFFE = 655.34 %
    b.injectNotification(id, '180f', '2a19', Uint8Array.of(0xff)); // 255 %
    await waitFor('three invalid values', () => c.status().invalidValues === 3);
    const flagged = sink.all.slice(before).filter((r) => r.quality === 'invalid');
    expect(flagged.map((r) => [r.metric, r.value]).sort()).toEqual([
      ['battery', null],
      ['humidity', null],
      ['temperature', null],
    ]);
    expect(c.status().decodeErrors).toBe(0);
    expect(ConnectorStatusSchema.parse(c.status()).invalidValues).toBe(3);
    await waitFor('explorer saw it', () => explorer.some((v) => v.hex === 'feff'));
    expect(explorer.find((v) => v.hex === 'feff')!.decoded).toEqual({
      metric: 'humidity',
      unit: '%RH',
      value: null,
      invalid: 'reserved value 0xFFFE',
    });
    await unsubscribe();
  });

  test('hostile notifications: random bytes are counted decode errors, never a crash', async () => {
    const { connector: c, sink, binding: b } = setup({}, [fixed(ENV1, 'env', { temperature: 20 })]);
    c.start();
    await waitFor('connected', () => c.status().devices === 1);
    const id = nobleIdFor(ENV1);
    const targets: [string, string, number][] = [
      ['181a', '2a6e', 2],
      ['181a', '2a6f', 2],
      ['181a', '2a6d', 4],
      ['180f', '2a19', 1],
    ];
    let wrongLength = 0;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 }), fc.uint8Array({ maxLength: 12 }), (t, bytes) => {
        const [service, char, size] = targets[t]!;
        if (bytes.length !== size) wrongLength++;
        b.injectNotification(id, service, char, bytes);
      }),
      { numRuns: 300, seed: 42 },
    );
    await waitFor('all delivered', () => c.status().decodeErrors === wrongLength);
    expect(c.status().lastError).toMatch(/must be/);
    expect(c.status().state).toBe('connected');
    for (const r of sink.all) expect(r.value === null || Number.isFinite(r.value)).toBe(true);
  });
});

describe('BLE connector clean-up (simulated BLE binding)', () => {
  test('stop() and close() leave no timers behind, and the connector can start again', async () => {
    const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const baseline = timeouts();
    const { connector: c, sink, binding: b } = setup({}, [fixed(ENV1, 'env', { battery: 77 })]);
    c.start();
    await waitFor('readings', () => latest(sink, 'env-0001', 'battery') === 77);
    b.outOfRange(nobleIdFor(ENV1));
    await waitFor('reconnecting', () => c.peripherals()[0]?.link === 'reconnecting');
    await c.stop();
    expect(c.status()).toMatchObject({ state: 'disconnected', devices: 0 });
    expect(c.peripherals()).toEqual([]);
    b.backInRange(nobleIdFor(ENV1));
    c.start();
    await waitFor('connected again', () => c.status().devices === 1);
    await c.stop();
    b.close();
    await new Promise((r) => setTimeout(r, 20));
    expect(timeouts()).toBeLessThanOrEqual(baseline);
  });
});
