import { describe, expect, test } from 'vitest';
import type { Reading } from '../../../common/reading';
import { AuditLog } from '../audit/audit-log';
import { DeviceRegistry } from '../devices/device-registry';
import { openDatabase } from '../store/database';
import { ReadingStore } from '../store/reading-store';
import { silent, tempDataDir } from '../store/test-fixtures';
import { RegistryService } from './registry-service';

const T0 = Date.UTC(2026, 10, 1);

function openSite(dataDir: string) {
  const { db, file } = openDatabase({ dataDir, log: silent });
  const store = new ReadingStore(db, file, silent);
  const devices = new DeviceRegistry(store, new Map());
  devices.load();
  const audit = new AuditLog(db);
  const registry = new RegistryService(
    db,
    devices,
    audit,
    () => 'alice',
    () => true,
  );
  const announce = (id: string) =>
    devices.register({
      id,
      name: `Sensor ${id}`,
      kind: 'k',
      profile: '',
      transport: 'serial',
      connectorId: 'c',
    });
  const readings = (id: string, from: number, n: number): Reading[] =>
    Array.from({ length: n }, (_, i) => ({
      deviceId: id,
      metric: 'temperature',
      ts: T0 + (from + i) * 60_000,
      value: 20 + i / 100,
      quality: 'good' as const,
      source: 'c',
    }));
  const count = (sql: string, id: string) =>
    db
      .prepare(`SELECT count(*) FROM ${sql} WHERE series_id IN (SELECT id FROM series WHERE device_id = ?)`)
      .pluck()
      .get(id) as number;
  const week = (id: string) =>
    store.rawWindow(id, 'temperature', T0, T0 + 7 * 86_400_000, 1_000_000).ts.length;
  return { db, store, devices, audit, registry, announce, readings, count, week };
}

/** two devices with history: some compacted into blocks and rollups, some still in the ingest log */
function siteWithHistory() {
  const dataDir = tempDataDir('removal');
  const site = openSite(dataDir);
  for (const id of ['a', 'b']) {
    site.announce(id);
    site.store.insertBatch(site.readings(id, 0, 500));
  }
  site.store.flush();
  for (const id of ['a', 'b']) site.store.insertBatch(site.readings(id, 500, 20));
  return { dataDir, ...site };
}

describe('removing a device (real SQLite file)', () => {
  test("purge deletes its readings, blocks, rollups and series, keeps the other device's, and is audited", () => {
    const { dataDir, db, registry, devices, audit, count, week } = siteWithHistory();
    expect(week('a')).toBe(520);
    expect(count('rollups', 'a')).toBeGreaterThan(0);

    const outcome = registry.remove('a', 'purge');

    expect(outcome).toEqual({ deviceId: 'a', readings: 'purge', readingsDeleted: 520 });
    expect(devices.has('a')).toBe(false);
    expect(db.prepare("SELECT count(*) FROM series WHERE device_id = 'a'").pluck().get()).toBe(0);
    expect(db.prepare("SELECT count(*) FROM devices WHERE id = 'a'").pluck().get()).toBe(0);
    // no orphaned rows: what is left in blocks and rollups is all the other device's
    expect(db.prepare('SELECT count(*) FROM blocks').pluck().get()).toBe(count('blocks', 'b'));
    expect(db.prepare('SELECT count(*) FROM rollups').pluck().get()).toBe(count('rollups', 'b'));
    expect(db.prepare('SELECT count(*) FROM ingest_log').pluck().get()).toBe(0);
    expect(week('a')).toBe(0);
    expect(week('b')).toBe(520);
    const entry = audit.list({ subject: 'a', action: 'device.removed' }).entries[0]!;
    expect(entry.actor).toBe('alice');
    expect(entry.before).toMatchObject({ name: 'Sensor a', lifecycle: 'discovered', connector: 'c' });
    expect(entry.after).toEqual({ readings: 'purge', readingsDeleted: 520 });
    db.close();

    const reopened = openSite(dataDir);
    expect(reopened.devices.list().map((d) => d.id)).toEqual(['b']);
    expect(reopened.week('a')).toBe(0);
    expect(reopened.week('b')).toBe(520);
    expect(reopened.store.totalStored()).toBe(520);
  });

  test('keep hides the device but its readings stay queryable, and come back when it reports again', () => {
    const { dataDir, db, registry, devices, week } = siteWithHistory();
    registry.remove('a', 'keep');
    expect(devices.has('a')).toBe(false);
    expect(registry.list({}).devices.map((d) => d.id)).toEqual(['b']);
    expect(week('a')).toBe(520);
    db.close();

    const reopened = openSite(dataDir);
    expect(reopened.devices.list().map((d) => d.id)).toEqual(['b']);
    expect(reopened.count('blocks', 'a')).toBeGreaterThan(0);
    reopened.announce('a');
    expect(reopened.registry.require('a').lifecycle).toBe('discovered');
    expect(reopened.week('a')).toBe(520);
  });

  test('a device still holding a credential must be decommissioned first', () => {
    const { registry, devices, week } = siteWithHistory();
    registry.setCredential('a', { kind: 'x509', fingerprint: 'AB:CD', serial: '01', expires: T0 });
    expect(() => registry.remove('a', 'purge')).toThrow(/decommission it first/);
    expect(devices.has('a')).toBe(true);
    expect(week('a')).toBe(520);
  });
});
