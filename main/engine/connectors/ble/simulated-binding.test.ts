import { afterEach, describe, expect, test } from 'vitest';
import type { NobleCharacteristic, NoblePeripheral, NobleService } from './ble-connector';
import { nobleIdFor, type SimulatedBleBinding } from './simulated-binding';
import { nobleWithSimulatedBinding, waitFor } from './test-helpers';

let binding: SimulatedBleBinding | undefined;
afterEach(() => {
  binding?.close();
  binding = undefined;
});

function promisify<T>(start: (cb: (error: unknown, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => start((e, v) => (e ? reject(e) : resolve(v as T))));
}

describe('noble on top of the simulated BLE binding (simulated BLE binding)', () => {
  test('powers on and advertises peripherals with name, varying RSSI, manufacturer data and services', async () => {
    const sim = nobleWithSimulatedBinding();
    binding = sim.binding;
    const { noble } = sim;
    const rssis = new Map<string, number[]>();
    const seen = new Map<string, NoblePeripheral>();
    noble.on('discover', (p: NoblePeripheral) => {
      seen.set(p.id, p);
      rssis.set(p.id, [...(rssis.get(p.id) ?? []), p.rssi]);
    });
    await waitFor('poweredOn', () => noble.state === 'poweredOn');
    noble.startScanning([], true);
    await waitFor(
      'advertisements',
      () => [...rssis.values()].every((r) => r.length >= 8) && rssis.size === 2,
    );
    const p = seen.get(nobleIdFor('c0:ff:ee:00:00:01'))!;
    expect(p.address).toBe('c0:ff:ee:00:00:01');
    expect(p.advertisement.localName).toBe('Fieldline ENV-1');
    expect([...p.advertisement.manufacturerData!]).toEqual([0xff, 0xff, 0x01, 0x02]);
    expect(p.advertisement.serviceUuids).toEqual(['181a', '180f']);
    const r = rssis.get(p.id)!;
    expect(new Set(r).size).toBeGreaterThan(1);
    expect(Math.min(...r)).toBeGreaterThanOrEqual(-62);
    expect(Math.max(...r)).toBeLessThanOrEqual(-54);
    noble.stopScanning();
  });

  test('a scan filter on a service UUID hides peripherals that do not advertise it', async () => {
    const sim = nobleWithSimulatedBinding({
      peripherals: [
        { address: 'aa:00:00:00:00:01', name: 'env', serviceUuids: ['181a'] },
        { address: 'aa:00:00:00:00:02', name: 'other', serviceUuids: ['fff0'] },
      ],
    });
    binding = sim.binding;
    const names = new Set<string>();
    sim.noble.on('discover', (p: NoblePeripheral) => names.add(p.advertisement.localName ?? ''));
    await waitFor('poweredOn', () => sim.noble.state === 'poweredOn');
    sim.noble.startScanning(['181a'], true);
    await waitFor('advertisements', () => binding!.stats.advertisements >= 6);
    expect([...names]).toEqual(['env']);
  });

  test('connect, GATT table, Device Information, notifications, write and out of range', async () => {
    const sim = nobleWithSimulatedBinding({
      peripherals: [
        {
          address: 'aa:00:00:00:00:01',
          name: 'env',
          model: 'M-7',
          values: { temperature: 22.5, humidity: 40, pressure: 1000, battery: 50 },
          drift: false,
        },
      ],
    });
    binding = sim.binding;
    const { noble } = sim;
    let peripheral: NoblePeripheral | undefined;
    noble.on('discover', (p: NoblePeripheral) => {
      peripheral = p;
    });
    await waitFor('poweredOn', () => noble.state === 'poweredOn');
    noble.startScanning([], false);
    await waitFor('discover', () => peripheral !== undefined);
    const p = peripheral!;
    await promisify<void>((cb) => p.connect(cb));
    const services = await promisify<NobleService[]>((cb) => p.discoverServices([], cb));
    expect(services.map((s) => s.uuid)).toEqual(['181a', '180f', '180a']);
    const chars = new Map<string, NobleCharacteristic>();
    for (const s of services) {
      for (const c of await promisify<NobleCharacteristic[]>((cb) => s.discoverCharacteristics([], cb))) {
        chars.set(c.uuid, c);
      }
    }
    expect(chars.get('2a6e')!.properties).toEqual(['read', 'notify']);
    const model = await promisify<Buffer>((cb) => chars.get('2a24')!.read(cb));
    expect(model.toString()).toBe('M-7');
    const temp = chars.get('2a6e')!;
    const got: Buffer[] = [];
    temp.on('data', (d: Buffer, isNotification: boolean) => {
      if (isNotification) got.push(d);
    });
    await promisify<void>((cb) => temp.subscribe(cb));
    await waitFor('notifications', () => got.length >= 2);
    expect(got[0]!.readInt16LE(0)).toBe(2250);
    // Measurement Interval is writable
    await promisify<void>((cb) => chars.get('2a21')!.write(Buffer.from([2, 0]), false, cb));
    const interval = await promisify<Buffer>((cb) => chars.get('2a21')!.read(cb));
    expect([...interval]).toEqual([2, 0]);
    // out of range: the link drops with a connection timeout
    const reason = new Promise((resolve) => p.once('disconnect', resolve));
    binding.outOfRange(p.id);
    expect(await reason).toBe(0x08);
    const connectError = await new Promise((resolve) => p.connect(resolve));
    expect(String(connectError)).toMatch(/not in range/);
  });

  test('power off drops links and reports the state', async () => {
    const sim = nobleWithSimulatedBinding();
    binding = sim.binding;
    const states: string[] = [];
    sim.noble.on('stateChange', (s: string) => states.push(s));
    await waitFor('poweredOn', () => states.includes('poweredOn'));
    binding.setState('poweredOff');
    await waitFor('poweredOff', () => states.at(-1) === 'poweredOff');
    binding.setState('poweredOn');
    await waitFor('poweredOn again', () => states.at(-1) === 'poweredOn');
    expect(states).toEqual(['poweredOn', 'poweredOff', 'poweredOn']);
  });
});
