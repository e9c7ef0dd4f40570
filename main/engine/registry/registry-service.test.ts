import { describe, expect, test } from 'vitest';
import { AuditLog } from '../audit/audit-log';
import { DeviceRegistry } from '../devices/device-registry';
import { unknownProfile } from '../profiles/profile-store';
import { openDatabase } from '../store/database';
import { ReadingStore } from '../store/reading-store';
import { silent, tempDataDir } from '../store/test-fixtures';
import { RegistryService } from './registry-service';
import { seededDevice, seedFleet } from './seed-fleet';

function open(dataDir = tempDataDir('registry')) {
  const { db, file } = openDatabase({ dataDir, log: silent });
  const dir = dataDir;
  const store = new ReadingStore(db, file, silent);
  const devices = new DeviceRegistry(store, new Map([['th-sensor', {} as never]]));
  devices.load();
  const audit = new AuditLog(db);
  let actor = 'alice';
  const registry = new RegistryService(
    db,
    devices,
    audit,
    () => actor,
    (p) => {
      if (p !== 'th-sensor') throw unknownProfile(p, ['th-sensor']);
    },
  );
  return { db, store, devices, audit, registry, dir, setActor: (a: string) => (actor = a) };
}

const announce = (devices: DeviceRegistry, id: string, name = id) =>
  devices.register({ id, name, kind: 'mqtt device', profile: '', transport: 'mqtt', connectorId: 'broker' });

describe('registry service (real SQLite file)', () => {
  test('a device a connector announces is discovered, audited, and found by search', () => {
    const { devices, registry, audit } = open();
    announce(devices, 'pump-07');
    const d = registry.require('pump-07');
    expect(d.lifecycle).toBe('discovered');
    expect(d.configDiff).toEqual([]);
    expect(audit.list({ subject: 'pump-07' }).entries.map((e) => e.action)).toEqual(['device.discovered']);
    expect(registry.list({ search: 'PUMP' }).total).toBe(1);
    expect(registry.list({ search: 'nothing' }).total).toBe(0);
  });

  test('edits are audited with before/after of the changed fields only, and survive a connector re-announcing', () => {
    const { devices, registry, audit } = open();
    announce(devices, 'm1');
    registry.update('m1', {
      name: 'Line 1 meter',
      site: 'North',
      tags: ['b', 'a', 'a'],
      profile: 'th-sensor',
    });
    announce(devices, 'm1', 'm1'); // the broker names it again
    const d = registry.require('m1');
    expect(d).toMatchObject({ name: 'Line 1 meter', site: 'North', tags: ['a', 'b'], profile: 'th-sensor' });
    const entry = audit.list({ subject: 'm1', action: 'device.updated' }).entries[0]!;
    expect(entry.actor).toBe('alice');
    expect(entry.before).toEqual({ name: 'm1', profile: '', site: null, tags: [] });
    expect(entry.after).toEqual({
      name: 'Line 1 meter',
      profile: 'th-sensor',
      site: 'North',
      tags: ['a', 'b'],
    });
    expect(() => registry.update('m1', { profile: 'nope' })).toThrow(
      'unknown profile "nope"; known: th-sensor',
    );
    expect(audit.verify().ok).toBe(true);
  });

  test('lifecycle moves follow the allowed table; telemetry makes a commissioned device active', () => {
    const { devices, registry, audit } = open();
    announce(devices, 'x');
    expect(() => registry.setLifecycle('x', 'active')).toThrow(/cannot become active/);
    registry.commission('x', {
      name: 'X',
      profile: 'th-sensor',
      site: 'S',
      tags: [],
      serialNumber: 'SN1',
      hardwareVersion: 'r2',
      firmwareVersion: '1.0.0',
      desiredConfig: { brokerUrl: 'mqtts://b:8883', reportingIntervalS: 10 },
      reportedConfig: { brokerUrl: 'mqtts://b:8883', reportingIntervalS: 30 },
      credential: { kind: 'x509', fingerprint: 'AB:CD', serial: '01', expires: 123 },
    });
    expect(registry.require('x').configDiff).toEqual([
      { path: 'reportingIntervalS', desired: 10, reported: 30 },
    ]);
    registry.observe([
      { deviceId: 'x', metric: 'uptime', ts: 1, value: 5, quality: 'good', source: 'b', arrivedAt: 1000 },
    ]);
    expect(registry.require('x').lifecycle).toBe('commissioned'); // a heartbeat is not telemetry
    registry.observe([
      { deviceId: 'x', metric: 'temperature', ts: 2, value: 21, quality: 'good', source: 'b' },
    ]);
    const d = registry.require('x');
    expect(d.lifecycle).toBe('active');
    expect(d.lastHeartbeat).toBe(1000);
    expect(d.health.uptimeS).toBe(5);
    const actions = audit.list({ subject: 'x' }).entries.map((e) => `${e.actor}:${e.action}`);
    expect(actions).toEqual([
      'engine:device.lifecycle',
      'alice:device.commissioned',
      'engine:device.discovered',
    ]);
    registry.setLifecycle('x', 'decommissioned', 'replaced');
    expect(() => registry.setLifecycle('x', 'active')).toThrow(/allowed: discovered/);
  });

  test('everything survives a reopen of the same file, health included', () => {
    const first = open();
    announce(first.devices, 'keep');
    first.registry.update('keep', { site: 'Harbour', desiredConfig: { a: 1 } });
    first.registry.observe([
      { deviceId: 'keep', metric: 'rssi', ts: 1, value: -61, quality: 'good', source: 's' },
    ]);
    first.registry.flushHealth();
    first.store.flush();
    first.db.close();
    const again = open(first.dir);
    const d = again.registry.require('keep');
    expect(d).toMatchObject({ site: 'Harbour', desiredConfig: { a: 1 } });
    expect(d.health.rssi).toBe(-61);
    expect(again.audit.verify().ok).toBe(true);
  });

  test('10,000 devices: filters and sorts agree with a recount, and pages are stable', () => {
    const first = open();
    seedFleet(first.db, 10_000);
    first.db.close();
    const { registry } = open(first.dir);
    const all = Array.from({ length: 10_000 }, (_, i) => seededDevice(i));
    const harbourActive = all.filter((d) => d.site === 'Harbour' && d.lifecycle === 'active');
    const page = registry.list({ site: 'Harbour', lifecycle: 'active', sort: 'id', limit: 1000 });
    expect(page.total).toBe(harbourActive.length);
    expect(page.devices.map((d) => d.id)).toEqual(
      harbourActive
        .map((d) => d.id)
        .sort()
        .slice(0, 1000),
    );
    const critical = all.filter((d) => d.tags.includes('critical')).length;
    expect(registry.list({ tag: 'critical' }).total).toBe(critical);
    const desc = registry.list({ sort: 'name', descending: true, limit: 3 }).devices.map((d) => d.id);
    expect(desc).toEqual(['dev-09999', 'dev-09998', 'dev-09997']);
    const p1 = registry.list({ sort: 'site', offset: 0, limit: 50 }).devices.map((d) => d.id);
    const p2 = registry.list({ sort: 'site', offset: 50, limit: 50 }).devices.map((d) => d.id);
    expect(new Set([...p1, ...p2]).size).toBe(100);
    expect(registry.facets().sites).toEqual(['Harbour', 'North plant', 'South plant', 'Warehouse 7']);
  });
});
