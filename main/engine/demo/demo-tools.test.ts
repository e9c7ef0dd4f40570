import path from 'node:path';
import { describe, expect, test } from 'vitest';
import type { ConnectorSink } from '../connectors/connector';
import { createDeviceTools } from '../connectors/device-tools';
import { findResourcesDir } from '../resources';
import { createDemoConnectors } from './demo-site';
import { loadDemoSite } from './demo-site-definition';

function demo() {
  const site = loadDemoSite(path.join(findResourcesDir(__dirname), 'demo-site.json'));
  const clock = { now: 1_764_000_000_000 };
  const sink: ConnectorSink = { readings: () => {}, deviceSeen: () => {}, statusChanged: () => {} };
  const connectors = createDemoConnectors(site, sink, () => clock.now);
  for (const c of connectors) c.start();
  const tools = createDeviceTools((id) => connectors.find((c) => c.id === id));
  const advance = (ms: number) => {
    for (let t = 0; t < ms; t += 50) {
      clock.now += 50;
      for (const c of connectors) (c as unknown as { tick(n: number): void }).tick(clock.now);
    }
  };
  return { site, connectors, tools, advance };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('serial Monitor on demo-serial', () => {
  test('shows the JSON lines the simulated bus carries, in UART-sized chunks', async () => {
    const { tools, advance, connectors } = demo();
    const chunks: { direction: string; data: string }[] = [];
    const stop = tools.serialMonitor({ connectorId: 'demo-serial' }, (d) => chunks.push(...d.chunks));
    advance(3000);
    await sleep(250);
    stop();
    const rx = chunks.filter((c) => c.direction === 'rx').map((c) => Buffer.from(c.data, 'base64'));
    expect(rx.length).toBeGreaterThan(10);
    for (const b of rx) expect(b.length).toBeLessThanOrEqual(96);
    const lines = Buffer.concat(rx).toString('utf8').split('\n').slice(1, -1);
    expect(lines.length).toBeGreaterThan(20);
    // the bus also carries the firmware's log lines (an ESPHome boot banner, a warning now and then)
    const data = lines.filter((l) => l.startsWith('{'));
    expect(data.length).toBeGreaterThan(20);
    const devices = new Set(data.map((l) => (JSON.parse(l) as { dev: string }).dev));
    expect(devices).toEqual(new Set(['th-101', 'th-102', 'pump-201', 'pm-301']));
    await Promise.all(connectors.map((c) => c.stop()));
  });

  test('a sent line is echoed as tx and answered with an ESP-IDF style console log line', async () => {
    const { tools, connectors } = demo();
    const chunks: { direction: string; data: string }[] = [];
    const stop = tools.serialMonitor({ connectorId: 'demo-serial' }, (d) => chunks.push(...d.chunks));
    await tools.serialSend({ connectorId: 'demo-serial', text: 'help', newline: '\r\n' });
    await tools.serialSend({ connectorId: 'demo-serial', text: 'frobnicate', newline: '\n' });
    await sleep(300);
    stop();
    const text = (direction: string) =>
      chunks
        .filter((c) => c.direction === direction)
        .map((c) => Buffer.from(c.data, 'base64').toString('latin1'))
        .join('');
    expect(text('tx')).toBe('help\r\nfrobnicate\n');
    // ESP-IDF log format (esp_log.h LOG_FORMAT): "<level letter> (<ms since boot>) <tag>: <message>"
    expect(text('rx')).toMatch(/^I \(\d+\) console: commands: help, status, version\r\n/m);
    expect(text('rx')).toMatch(/^W \(\d+\) console: unknown command "frobnicate"; type help\r\n/m);
    await Promise.all(connectors.map((c) => c.stop()));
  });

  test('sending to a stopped bus is a clear error, not a hang', async () => {
    const { tools, connectors } = demo();
    await Promise.all(connectors.map((c) => c.stop()));
    await expect(
      tools.serialSend({ connectorId: 'demo-serial', text: 'help', newline: '\n' }),
    ).rejects.toThrow(/cannot write to demo-serial: demo-serial is not open/);
  });
});

describe('GATT explorer on demo-ble', () => {
  test('lists the simulated sensors as connected peripherals tied to their devices', async () => {
    const { tools, connectors } = demo();
    const list = tools.blePeripherals({ connectorId: 'demo-ble' });
    expect(list.map((p) => p.deviceId).sort()).toEqual(['ps-121', 'th-111', 'th-112', 'th-113']);
    for (const p of list) {
      expect(p.link).toBe('connected');
      expect(p.address).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
      expect(p.serviceUuids).toContain('180f');
    }
    await Promise.all(connectors.map((c) => c.stop()));
  });

  test('services are the standard ones for what each sensor measures', async () => {
    const { tools, connectors } = demo();
    const th111 = tools.blePeripherals({ connectorId: 'demo-ble' }).find((p) => p.deviceId === 'th-111')!;
    const services = await tools.bleServices({ connectorId: 'demo-ble', peripheralId: th111.id });
    const byUuid = Object.fromEntries(services.map((s) => [s.uuid, s]));
    // Bluetooth SIG assigned numbers: 0x181A Environmental Sensing, 0x180F Battery, 0x180A Device Information
    expect(byUuid['181a']!.name).toBe('Environmental Sensing');
    expect(byUuid['181a']!.characteristics.map((c) => c.uuid)).toEqual(['2a6e', '2a6f']);
    expect(byUuid['180f']!.characteristics.map((c) => [c.uuid, c.properties])).toEqual([
      ['2a19', ['read', 'notify']],
    ]);
    expect(byUuid['180a']!.characteristics.map((c) => c.uuid)).toEqual(['2a29', '2a24', '2a25', '2a26']);
    await Promise.all(connectors.map((c) => c.stop()));
  });

  test('a read answers "value not known" before the first measurement, then the value on the air', async () => {
    const { tools, advance, connectors, site } = demo();
    const th111 = tools.blePeripherals({ connectorId: 'demo-ble' }).find((p) => p.deviceId === 'th-111')!;
    const ref = { connectorId: 'demo-ble', peripheralId: th111.id, service: '181a', characteristic: '2a6e' };
    // GATT Specification Supplement, Temperature (0x2A6E): sint16 0.01 °C, 0x8000 = value is not known
    const before = await tools.bleRead(ref);
    expect(before.hex).toBe('0080');
    expect(before.decoded).toEqual({ metric: 'temperature', unit: '°C', value: null });
    advance(5000);
    const after = await tools.bleRead(ref);
    expect(after.hex).toMatch(/^[0-9a-f]{4}$/);
    const signal = site.devices.find((d) => d.id === 'th-111')!.metrics.temperature!;
    expect(Math.abs(after.decoded!.value! - signal.base)).toBeLessThan(signal.amplitude + 1);
    const maker = await tools.bleRead({ ...ref, service: '180a', characteristic: '2a29' });
    expect(maker.text).toBe('Fieldline Demo');
    await Promise.all(connectors.map((c) => c.stop()));
  });

  test('Device Name is writable; a measurement is not', async () => {
    const { tools, connectors } = demo();
    const p = tools.blePeripherals({ connectorId: 'demo-ble' })[0]!;
    const name = { connectorId: 'demo-ble', peripheralId: p.id, service: '1800', characteristic: '2a00' };
    await tools.bleWrite({ ...name, hex: '4c 6f 66 74' });
    expect((await tools.bleRead(name)).text).toBe('Loft');
    await expect(
      tools.bleWrite({ ...name, service: '181a', characteristic: '2a6e', hex: '0000' }),
    ).rejects.toThrow(/does not permit writes \(ATT error 0x03\)/);
    await Promise.all(connectors.map((c) => c.stop()));
  });

  test('notifications stream the battery level the sensor sends', async () => {
    const { tools, advance, connectors } = demo();
    const p = tools.blePeripherals({ connectorId: 'demo-ble' }).find((x) => x.deviceId === 'th-112')!;
    const values: { hex: string; decoded: { value: number | null } | null }[] = [];
    const stop = tools.bleNotifications(
      { connectorId: 'demo-ble', peripheralId: p.id, service: '180f', characteristic: '2a19' },
      (d) => values.push(...d.values),
    );
    await sleep(20);
    advance(5000);
    await sleep(250);
    stop();
    expect(values.length).toBeGreaterThanOrEqual(4);
    for (const v of values) {
      // Battery Level (0x2A19): uint8 percent, 0-100
      expect(v.hex).toMatch(/^[0-9a-f]{2}$/);
      expect(v.decoded!.value).toBeGreaterThanOrEqual(0);
      expect(v.decoded!.value).toBeLessThanOrEqual(100);
    }
    await Promise.all(connectors.map((c) => c.stop()));
  });
});
