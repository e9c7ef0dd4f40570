import path from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Reading } from '../../../common/reading';
import type { ConnectorSink, DeviceDescriptor } from '../connectors/connector';
import { findResourcesDir } from '../resources';
import { createDemoConnectors } from './demo-site';
import { loadDemoSite } from './demo-site-definition';

function run(minutes: number) {
  const site = loadDemoSite(path.join(findResourcesDir(__dirname), 'demo-site.json'));
  let now = 1_764_000_000_000;
  const readings: Reading[] = [];
  const devices: DeviceDescriptor[] = [];
  const sink: ConnectorSink = {
    readings: (b) => readings.push(...b),
    deviceSeen: (d) => devices.push(d),
    statusChanged: () => {},
  };
  const connectors = createDemoConnectors(site, sink, () => now);
  for (const c of connectors) c.start();
  for (let t = 0; t < minutes * 60_000; t += 50) {
    now += 50;
    for (const c of connectors) (c as unknown as { tick(n: number): void }).tick(now);
  }
  for (const c of connectors) void c.stop();
  return { site, readings, devices, connectors };
}

describe('demo site (simulated serial, BLE and MQTT links, driven by a fake clock)', () => {
  const { site, readings, devices, connectors } = run(5);

  test('at least 12 devices across the three transports, each reporting 1-10 readings per second', () => {
    expect(devices.length).toBeGreaterThanOrEqual(12);
    expect(new Set(devices.map((d) => d.transport))).toEqual(new Set(['serial', 'ble', 'mqtt']));
    for (const d of site.devices) {
      const n = readings.filter((r) => r.deviceId === d.id).length / 300;
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(Object.keys(d.metrics).length * d.rateHz * 1.05);
    }
  });

  test('now and then a duplicate, an out-of-order reading and an impossible value', () => {
    const seen = new Set<string>();
    let duplicates = 0;
    let outOfOrder = 0;
    const lastTs = new Map<string, number>();
    for (const r of readings) {
      const key = `${r.deviceId}/${r.metric}`;
      const id = `${key}@${r.ts}`;
      if (seen.has(id)) duplicates++;
      seen.add(id);
      if ((lastTs.get(key) ?? 0) > r.ts) outOfOrder++;
      lastTs.set(key, Math.max(lastTs.get(key) ?? 0, r.ts));
    }
    const impossible = readings.filter(
      (r) => r.value === -999 || r.value === 3276.7 || r.value === 327.67,
    ).length;
    expect(duplicates).toBeGreaterThan(10);
    expect(outOfOrder).toBeGreaterThan(10);
    expect(impossible).toBeGreaterThan(3);
    // rare, not the norm
    expect(duplicates / readings.length).toBeLessThan(0.02);
  });

  test('the wire formats decode cleanly: no decode errors on a healthy link', () => {
    for (const c of connectors) expect(c.status()).toMatchObject({ decodeErrors: 0, state: 'disconnected' });
    expect(connectors.reduce((n, c) => n + c.status().readingsIn, 0)).toBe(readings.length);
  });

  test('firmware log lines on the serial link are counted as log lines, never decode errors', () => {
    const serial = connectors.filter((c) => c.status().kind === 'serial');
    expect(serial.length).toBeGreaterThan(0);
    for (const c of serial) {
      // a boot banner per device and the odd warning over 5 minutes
      expect(c.status().logLines ?? 0).toBeGreaterThan(4);
      expect(c.status().decodeErrors).toBe(0);
    }
  });

  // GSS: 0x8000 / 0xFFFF "value is not known"; a saturated -999 °C encodes as the prohibited 0x8001
  test('BLE sensors say "not known" while warming up and now and then; impossible values arrive invalid', () => {
    const bleReadings = readings.filter(
      (r) => connectors.find((c) => c.id === r.source)?.status().kind === 'ble',
    );
    expect(bleReadings.length).toBeGreaterThan(0);
    const nulls = bleReadings.filter((r) => r.quality === 'null' && r.value === null);
    expect(nulls.length).toBeGreaterThan(0);
    expect(nulls.length / bleReadings.length).toBeLessThan(0.01);
    const invalid = bleReadings.filter((r) => r.quality === 'invalid');
    for (const r of invalid) expect(r.value).toBeNull();
    const counted = connectors.reduce((n, c) => n + (c.status().invalidValues ?? 0), 0);
    expect(invalid.length).toBeGreaterThan(0);
    expect(counted).toBe(invalid.length);
  });

  test('signals are realistic: temperature noise small, energy counter rising', () => {
    const temps = readings.filter(
      (r) => r.deviceId === 'th-101' && r.metric === 'temperature' && r.value !== -999,
    );
    const values = temps.map((r) => r.value as number).filter((v) => v < 100);
    expect(Math.max(...values) - Math.min(...values)).toBeLessThan(3);
    const energy = readings
      .filter((r) => r.deviceId === 'pm-301' && r.metric === 'energy')
      .sort((a, b) => a.ts - b.ts);
    expect(energy.at(-1)!.value!).toBeGreaterThan(energy[0]!.value!);
  });
});
