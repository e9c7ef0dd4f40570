import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { RpcError } from '../../../common/protocol';
import { AuditLog } from '../audit/audit-log';
import { DeviceRegistry } from '../devices/device-registry';
import { createLogger } from '../log';
import { findResourcesDir } from '../resources';
import { openDatabase } from '../store/database';
import { ReadingStore } from '../store/reading-store';
import { silent, tempDataDir } from '../store/test-fixtures';
import { loadProfileSources } from './load-profiles';
import { ProfileStore } from './profile-store';

const shippedDir = path.join(findResourcesDir(__dirname), 'profiles');

/** A user profile as a person would write it (resources/profiles format). */
const boiler = {
  id: 'boiler',
  name: 'Boiler room sensor',
  metrics: {
    flow_temp: { unit: '°C', label: 'Flow temperature', min: 0, max: 110, maxRatePerSec: 2 },
    pressure: { unit: 'bar', min: 0, max: 6 },
  },
};

function open(dataDir = tempDataDir('profiles'), log = silent) {
  const { db, file } = openDatabase({ dataDir, log: silent });
  const audit = new AuditLog(db);
  const readings = new ReadingStore(db, file, silent);
  const changed: string[] = [];
  let devices: DeviceRegistry | undefined;
  const profiles = new ProfileStore({
    db,
    builtIns: loadProfileSources(shippedDir),
    audit,
    actor: () => 'alice',
    usedBy: (id) => devices?.withProfile(id) ?? [],
    onChanged: (id) => changed.push(id),
    log,
  });
  devices = new DeviceRegistry(readings, profiles.profiles);
  devices.load();
  const announce = (id: string, profile: string) =>
    devices.register({ id, name: id, kind: 'mqtt device', profile, transport: 'mqtt', connectorId: 'b' });
  return { db, dataDir, audit, profiles, devices, announce, changed };
}

/** The RpcError a call throws, so its message and details can both be checked. */
function refusal(call: () => unknown): RpcError {
  try {
    call();
  } catch (error) {
    if (error instanceof RpcError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('profile store (real SQLite file)', () => {
  test('migration 010 creates the profiles table', () => {
    const { db } = open();
    const columns = db.prepare("SELECT name FROM pragma_table_info('device_profiles')").pluck().all();
    expect(columns).toEqual(['id', 'definition', 'created_at', 'updated_at']);
    expect(db.prepare('SELECT name FROM schema_migrations WHERE version = 10').pluck().get()).toBe(
      'user device profiles',
    );
  });

  test('a user profile is created, edited and deleted, survives a restart, and every change is audited', () => {
    const first = open();
    first.profiles.save(boiler, true);
    expect(first.profiles.profiles.get('boiler')?.metrics.pressure?.unit).toBe('bar');
    const edited = { ...boiler, metrics: { ...boiler.metrics, pressure: { unit: 'kPa', min: 0, max: 600 } } };
    first.profiles.save(edited, false);
    expect(first.changed).toEqual(['boiler', 'boiler']);
    first.db.close();

    const again = open(first.dataDir);
    expect(again.profiles.get('boiler')).toEqual({
      id: 'boiler',
      builtIn: false,
      definition: edited,
      usedBy: [],
    });
    expect(again.profiles.profiles.get('boiler')?.metrics.pressure?.max).toBe(600);
    const summary = again.profiles.list().find((p) => p.id === 'boiler');
    expect(summary).toEqual({
      id: 'boiler',
      name: 'Boiler room sensor',
      builtIn: false,
      metrics: [
        { name: 'flow_temp', unit: '°C' },
        { name: 'pressure', unit: 'kPa' },
      ],
      usedBy: 0,
    });
    again.profiles.delete('boiler');
    expect(again.profiles.has('boiler')).toBe(false);
    expect(again.profiles.profiles.has('boiler')).toBe(false);
    const actions = again.audit
      .list({ subject: 'profile:boiler' })
      .entries.map((e) => `${e.actor} ${e.action}`)
      .reverse();
    expect(actions).toEqual(['alice profile.created', 'alice profile.updated', 'alice profile.deleted']);
    expect(again.audit.verify().ok).toBe(true);
  });

  test('creating over an existing id, editing a built-in and deleting a built-in are refused', () => {
    const { profiles } = open();
    profiles.save(boiler, true);
    expect(refusal(() => profiles.save(boiler, true)).message).toBe(
      'a profile "boiler" already exists; pick another id',
    );
    const builtIn = JSON.parse(readFileSync(path.join(shippedDir, 'pump.json'), 'utf8'));
    expect(() => profiles.save(builtIn, false)).toThrow(
      '"pump" is a built-in profile and cannot be changed; duplicate it to make your own',
    );
    expect(() => profiles.delete('pump')).toThrow('"pump" is a built-in profile and cannot be deleted');
    expect(profiles.list().find((p) => p.id === 'pump')?.builtIn).toBe(true);
  });

  test('an unknown profile is refused with the known ones listed', () => {
    const { profiles } = open();
    profiles.save(boiler, true);
    const expected =
      'unknown profile "nope"; known: ble-vibration-tag, boiler, env-sensor, power-meter, pressure-sensor, pump';
    expect(() => profiles.require('nope')).toThrow(expected);
    expect(() => profiles.get('nope')).toThrow(expected);
    expect(() => profiles.delete('nope')).toThrow(expected);
    expect(() => profiles.save({ ...boiler, id: 'nope' }, false)).toThrow(expected);
    expect(() => profiles.require('boiler')).not.toThrow();
  });

  test('a profile in use cannot be deleted; the error lists the devices', () => {
    const { profiles, announce } = open();
    profiles.save(boiler, true);
    announce('boiler-2', 'boiler');
    announce('boiler-1', 'boiler');
    announce('other', 'pump');
    const error = refusal(() => profiles.delete('boiler'));
    expect(error.message).toBe(
      'profile "boiler" is used by 2 devices (boiler-1, boiler-2); give them another profile first',
    );
    expect(error.details).toEqual({ usedBy: ['boiler-1', 'boiler-2'] });
    expect(profiles.get('boiler').usedBy).toEqual(['boiler-1', 'boiler-2']);
    expect(profiles.has('boiler')).toBe(true);
  });

  test('a save with a bad field is refused with each field named, and nothing is stored', () => {
    const { profiles, db } = open();
    const error = refusal(() =>
      profiles.save(
        {
          id: 'Bad Id',
          name: 'x',
          metrics: { t: { unit: 'C', min: 5, max: 1 } },
          ble: {
            characteristics: [{ characteristic: '12345', metric: 'missing', type: 'int24' }],
          },
        },
        true,
      ),
    );
    expect(error.code).toBe('INVALID_PARAMS');
    const paths = (error.details as { path: string }[]).map((i) => i.path).sort();
    expect(paths).toEqual([
      'ble.characteristics.0.characteristic',
      'ble.characteristics.0.type',
      'id',
      'metrics.t',
    ]);
    expect(error.message).toMatch(/^the profile is invalid: /);
    expect(error.message).toContain('metrics.t: min must not exceed max');
    expect(db.prepare('SELECT COUNT(*) FROM device_profiles').pluck().get()).toBe(0);
  });

  test('an import holds one profile or an array; errors name the item and the field; all or nothing', () => {
    const { profiles } = open();
    expect(profiles.import(JSON.stringify(boiler), false)).toEqual(['boiler']);

    // item 1: a 128-bit UUID with a wrong group length, and min above max
    const text = `[
      {"id": "tank", "name": "Tank level", "metrics": {"level": {"unit": "m", "min": 0, "max": 4}}},
      {"id": "tag2", "name": "Tag", "metrics": {"v": {"unit": "mm/s", "min": 9, "max": 1}},
       "ble": {"characteristics": [{"characteristic": "7e1a0002-5f3c-4b8e-9a61-2f0c3d4e5a0", "metric": "v", "type": "int16"}]}},
      {"id": "boiler", "name": "again", "metrics": {}},
      {"id": "pump", "name": "mine", "metrics": {}}
    ]`;
    const error = refusal(() => profiles.import(text, false));
    expect(error.details).toEqual([
      { path: '1.metrics.v', message: 'min must not exceed max' },
      {
        path: '1.ble.characteristics.0.characteristic',
        message:
          'a Bluetooth UUID: 16-bit like 180F or 0x180F, or 128-bit like 0000180f-0000-1000-8000-00805f9b34fb',
      },
      { path: '2.id', message: 'a profile "boiler" already exists (import with replace)' },
      { path: '3.id', message: '"pump" is a built-in profile and cannot be replaced' },
    ]);
    expect(profiles.has('tank')).toBe(false);

    expect(() => profiles.import('{"id": ', false)).toThrow(/^the file is not valid JSON: /);
    expect(() => profiles.import('[]', false)).toThrow('the file holds no profiles');
    const twice = JSON.stringify([
      { ...boiler, id: 'dup' },
      { ...boiler, id: 'dup' },
    ]);
    expect(refusal(() => profiles.import(twice, false)).details).toEqual([
      { path: '1.id', message: '"dup" is in the file twice' },
    ]);

    const replaced = { ...boiler, name: 'Boiler, renamed' };
    expect(profiles.import(JSON.stringify([replaced, { ...boiler, id: 'boiler-b' }]), true)).toEqual([
      'boiler',
      'boiler-b',
    ]);
    expect(profiles.get('boiler').definition).toEqual(replaced);
  });

  test('every shipped profile exports as the JSON it was shipped as, and a user profile round-trips', () => {
    const { profiles } = open();
    for (const file of ['ble-vibration-tag', 'env-sensor', 'power-meter', 'pressure-sensor', 'pump']) {
      const shipped = JSON.parse(readFileSync(path.join(shippedDir, `${file}.json`), 'utf8'));
      const exported = profiles.export([file]);
      expect(exported.filename).toBe(`${file}.json`);
      expect(JSON.parse(exported.content)).toEqual(shipped);
    }
    // the vibration tag leaves endian, scale and offset to their defaults in places: they stay out
    const tag = JSON.parse(readFileSync(path.join(shippedDir, 'ble-vibration-tag.json'), 'utf8'));
    const copy = { ...tag, id: 'my-tag', name: 'My tag' };
    const again = open();
    again.profiles.import(JSON.stringify(copy), false);
    const out = again.profiles.export(['my-tag', 'pump']);
    expect(out.filename).toBe('fieldline-profiles.json');
    const [mine, pump] = JSON.parse(out.content);
    expect(mine).toEqual(copy);
    expect(mine.ble.characteristics[1]).not.toHaveProperty('scale');
    expect(pump).toEqual(JSON.parse(readFileSync(path.join(shippedDir, 'pump.json'), 'utf8')));
    // and what was exported imports again into another site unchanged
    const third = open();
    third.profiles.import(again.profiles.export(['my-tag']).content, false);
    expect(third.profiles.get('my-tag').definition).toEqual(copy);
  });

  test('a stored profile that no longer passes, or that took a built-in id, is left out with a warning', () => {
    const first = open();
    first.profiles.save(boiler, true);
    const put = first.db.prepare('UPDATE device_profiles SET definition = ? WHERE id = ?');
    const insert = first.db.prepare(
      'INSERT INTO device_profiles (id, definition, created_at, updated_at) VALUES (?, ?, 0, 0)',
    );
    insert.run('pump', JSON.stringify({ id: 'pump', name: 'my pump', metrics: {} }));
    put.run('{"id": "boiler", "name": "B", "metrics": {"t": {"unit": "C", "min": 9, "max": 1}}}', 'boiler');
    first.db.close();
    const lines: string[] = [];
    const again = open(first.dataDir, createLogger({ level: 'warn', write: (l) => lines.push(l) }));
    expect(again.profiles.has('boiler')).toBe(false);
    expect(again.profiles.list().find((p) => p.id === 'pump')?.builtIn).toBe(true);
    expect(lines.join('')).toContain('stored device profile is invalid; left out');
    expect(lines.join('')).toContain('metrics.t: min must not exceed max');
    expect(lines.join('')).toContain('stored device profile has the id of a built-in; the built-in wins');
  });
});
