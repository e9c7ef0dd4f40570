import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import type { ConnectorStatus } from '../../../common/contract';
import { MasterKey } from '../secrets/master-key';
import { SecretStore } from '../secrets/secret-store';
import { openDatabase } from '../store/database';
import { openTestDb, silent } from '../store/test-fixtures';
import type { Connector, ConnectorSink } from './connector';
import { type ConnectorFactory, ConnectorManager } from './connector-manager';
import { STORED_MARKER } from './connector-secrets';
import { MqttConnectorConfigSchema } from './mqtt/mqtt-connector';

/** Every config a fake connector was created with, newest last, by connector id. */
const created = new Map<string, Record<string, unknown>[]>();
const stopped: string[] = [];

function fakeConnector(kind: ConnectorStatus['kind'], config: { id: string }): Connector {
  const configs = created.get(config.id) ?? [];
  configs.push(config as Record<string, unknown>);
  created.set(config.id, configs);
  let state: ConnectorStatus['state'] = 'disconnected';
  return {
    id: config.id,
    status: () => ({
      id: config.id,
      kind,
      label: config.id,
      state,
      detail: '',
      devices: 0,
      messagesIn: 0,
      readingsIn: 0,
      decodeErrors: 0,
      lastError: null,
      since: 0,
    }),
    start() {
      state = 'connected';
    },
    async stop() {
      state = 'disconnected';
      stopped.push(config.id);
    },
  };
}

const serial: ConnectorFactory = {
  schema: z.object({ id: z.string().min(1), port: z.number().int().default(1) }).strict(),
  create: (config) => fakeConnector('serial', config),
};
/** The real MQTT config schema (so its real secret fields are what is tested), with no broker behind it. */
const mqtt: ConnectorFactory = {
  schema: MqttConnectorConfigSchema,
  create: (config) => fakeConnector('mqtt', config),
};
const factories = { serial, mqtt };
const sink: ConnectorSink = { readings: () => {}, deviceSeen: () => {}, statusChanged: () => {} };

const lastConfig = (id: string) => created.get(id)?.at(-1);

/** Unique, unmistakable secret values: finding any of their bytes in the file is a leak. */
function secretValues() {
  const tag = randomBytes(12).toString('hex');
  return {
    password: `pw-${tag}-correct horse`,
    key: `-----BEGIN PRIVATE KEY-----\nKEY${tag}${randomBytes(48).toString('base64')}\n-----END PRIVATE KEY-----\n`,
    urlPassword: `urlpw${tag}`,
  };
}

function mqttConfig(id: string, s: ReturnType<typeof secretValues>) {
  return {
    id,
    url: `mqtt://user:${s.urlPassword}@127.0.0.1:1883`,
    username: 'user',
    password: s.password,
    cert: '-----BEGIN CERTIFICATE-----\nPUBLIC\n-----END CERTIFICATE-----\n',
    key: s.key,
    subscriptions: [{ topicTemplate: 'plant/{deviceId}/{metric}' }],
  };
}

/** The database file, its WAL and shared memory, as they are on disk right now. */
function fileBytes(file: string): Buffer {
  return Buffer.concat(
    [file, `${file}-wal`, `${file}-shm`].filter((f) => existsSync(f)).map((f) => readFileSync(f)),
  );
}

function expectAbsent(bytes: Buffer, s: ReturnType<typeof secretValues>): void {
  for (const value of [s.password, s.key, s.urlPassword, s.key.split('\n')[1] as string]) {
    expect(bytes.includes(Buffer.from(value, 'utf8')), `found "${value.slice(0, 20)}…"`).toBe(false);
  }
}

function open(dataDir?: string, masterKey = new MasterKey(randomBytes(32))) {
  const opened = dataDir ? { ...openDatabase({ dataDir, log: silent }), dataDir } : openTestDb('connectors');
  const secrets = new SecretStore(opened.db, masterKey);
  const settings = () =>
    opened.db.prepare("SELECT value FROM settings WHERE key = 'connectors'").pluck().get() as string;
  /** straight from the table: every secret name there is */
  const names = () => opened.db.prepare('SELECT name FROM secrets ORDER BY name').pluck().all() as string[];
  const manager = (reserved: string[] = []) =>
    new ConnectorManager(opened.db, factories, sink, silent, () => reserved, secrets);
  return { ...opened, masterKey, secrets, settings, names, manager };
}

describe('connector manager', () => {
  test('adds a validated connector, remembers it across a restart, removes it', async () => {
    const first = open();
    const manager = first.manager(['demo-serial']);
    expect(manager.add('serial', { id: 'usb0' })).toMatchObject({ id: 'usb0', state: 'connected' });
    expect(lastConfig('usb0')).toEqual({ id: 'usb0', port: 1 });
    expect(() => manager.add('serial', { id: 'usb0' })).toThrow(/exists already/);
    expect(() => manager.add('serial', { id: 'demo-serial' })).toThrow(/exists already/);
    expect(() => manager.add('serial', { id: 'x', port: 'one' })).toThrow(/invalid serial connector: port/);
    expect(() => manager.add('serial', { id: 'x', extra: 1 })).toThrow(/invalid serial connector/);
    expect(() => manager.add('modbus', { id: 'x' })).toThrow(/unknown connector kind/);
    first.db.close();

    const again = open(first.dataDir, first.masterKey);
    const restarted = again.manager();
    restarted.startSaved();
    expect(restarted.list().map((c) => c.status().state)).toEqual(['connected']);
    expect(await restarted.remove('usb0')).toBe(true);
    expect(await restarted.remove('usb0')).toBe(false);
    const third = again.manager();
    third.startSaved();
    expect(third.list()).toEqual([]);
    again.db.close();
  });

  test('mqtt password, private key and URL password are sealed: never in settings nor anywhere in the file', async () => {
    const s = secretValues();
    const first = open();
    const manager = first.manager();
    manager.add('mqtt', mqttConfig('broker', s));
    // the connector itself runs with the real values
    expect(lastConfig('broker')).toMatchObject({ password: s.password, key: s.key });
    expect(lastConfig('broker')?.url).toContain(s.urlPassword);

    const settings = first.settings();
    expectAbsent(Buffer.from(settings), s);
    expect(JSON.parse(settings)).toEqual([
      {
        kind: 'mqtt',
        config: expect.objectContaining({
          id: 'broker',
          url: 'mqtt://user@127.0.0.1:1883',
          username: 'user',
        }),
      },
    ]);
    expect(first.names()).toEqual([
      'connector.broker.key',
      'connector.broker.password',
      'connector.broker.url-password',
    ]);
    // the edit form sees markers, never values
    const forEdit = manager.getConfig('broker');
    expect(forEdit.kind).toBe('mqtt');
    expect(forEdit.config).toMatchObject({ password: STORED_MARKER, key: STORED_MARKER, username: 'user' });
    expect(forEdit.config.url).toBe('mqtt://user:%3Cstored%3E@127.0.0.1:1883');
    expectAbsent(Buffer.from(JSON.stringify(forEdit)), s);
    expectAbsent(fileBytes(first.file), s);
    first.db.close();
    expectAbsent(fileBytes(first.file), s);

    // a restart with the same master key brings the secrets back to the connector
    const again = open(first.dataDir, first.masterKey);
    const restarted = again.manager();
    restarted.startSaved();
    expect(lastConfig('broker')).toMatchObject({
      password: s.password,
      key: s.key,
      url: `mqtt://user:${s.urlPassword}@127.0.0.1:1883`,
    });
    again.db.close();
  });

  test('update restarts the connector; a "<stored>" secret keeps its value, a missing one is deleted', async () => {
    const s = secretValues();
    const { db, file, secrets, settings, names, manager: make } = open();
    const manager = make();
    manager.add('mqtt', mqttConfig('edit-me', s));
    const { config } = manager.getConfig('edit-me');

    stopped.length = 0;
    const status = await manager.update('edit-me', { ...config, username: 'other', qos: 2 });
    expect(status).toMatchObject({ id: 'edit-me', state: 'connected' });
    expect(stopped).toEqual(['edit-me']);
    expect(lastConfig('edit-me')).toMatchObject({
      username: 'other',
      qos: 2,
      password: s.password,
      key: s.key,
      url: `mqtt://user:${s.urlPassword}@127.0.0.1:1883`,
    });
    expect(manager.list()).toHaveLength(1);

    // a new password replaces the stored one; leaving out the key (and cert) deletes it
    const { cert: _cert, key: _key, ...withoutTls } = manager.getConfig('edit-me').config;
    await manager.update('edit-me', { ...withoutTls, password: 'new-password-value' });
    expect(lastConfig('edit-me')).toMatchObject({ password: 'new-password-value' });
    expect(lastConfig('edit-me')?.key).toBeUndefined();
    expect(secrets.get('connector.edit-me.password')).toBe('new-password-value');
    expect(secrets.has('connector.edit-me.key')).toBe(false);

    // refused, and the running connector is left as it was
    const before = lastConfig('edit-me');
    await expect(manager.update('edit-me', { ...withoutTls, url: 'http://x' })).rejects.toThrow(
      /invalid mqtt connector: url/,
    );
    await expect(manager.update('edit-me', { ...withoutTls, id: 'renamed' })).rejects.toThrow(
      /id cannot change/,
    );
    await expect(manager.update('edit-me', { ...withoutTls, key: STORED_MARKER })).rejects.toThrow(
      /no stored value/,
    );
    await expect(manager.update('nope', withoutTls)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(lastConfig('edit-me')).toBe(before);
    expect(manager.get('edit-me')?.status().state).toBe('connected');
    expect(() => manager.add('mqtt', { ...mqttConfig('fresh', s), password: STORED_MARKER })).toThrow(
      /no stored value/,
    );

    // remove deletes the secrets with the config
    expect(await manager.remove('edit-me')).toBe(true);
    expect(names()).toEqual([]);
    expect(JSON.parse(settings())).toEqual([]);
    db.close();
    expectAbsent(fileBytes(file), s);
  });

  test('a config saved in plain text by an older build is sealed on first load and scrubbed from the file', () => {
    const s = secretValues();
    const first = open();
    const legacy = [
      { kind: 'mqtt', config: mqttConfig('old-broker', s) },
      { kind: 'serial', config: { id: 'usb0', port: 3 } },
      // no longer valid: still migrated and kept, just not started
      { kind: 'mqtt', config: { id: 'broken', password: `${s.password}-2` } },
    ];
    first.db
      .prepare("INSERT INTO settings (key, value) VALUES ('connectors', ?)")
      .run(JSON.stringify(legacy));
    first.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(fileBytes(first.file).includes(Buffer.from(s.password))).toBe(true); // the test can fail

    const manager = first.manager();
    manager.startSaved();
    expect(lastConfig('old-broker')).toMatchObject({ password: s.password, key: s.key });
    expect(manager.list().map((c) => c.id)).toEqual(['old-broker', 'usb0']);
    const rewritten = JSON.parse(first.settings()) as { config: Record<string, unknown> }[];
    expect(rewritten.map((e) => e.config.id)).toEqual(['old-broker', 'usb0', 'broken']);
    expect(rewritten[0]?.config.password).toBeUndefined();
    expect(rewritten[2]?.config).toEqual({ id: 'broken' });
    expect(first.secrets.get('connector.broken.password')).toBe(`${s.password}-2`);
    expectAbsent(Buffer.from(first.settings()), s);
    expectAbsent(fileBytes(first.file), s);
    first.db.close();
    expectAbsent(fileBytes(first.file), s);

    // the next start finds nothing to migrate and still has the secrets
    const again = open(first.dataDir, first.masterKey);
    again.manager().startSaved();
    expect(lastConfig('old-broker')).toMatchObject({ password: s.password, key: s.key });
    again.db.close();
  });

  test('a secret sealed under another master key: the connector starts without it and the form asks again', async () => {
    const s = secretValues();
    const first = open();
    // without a client key: cert without key would not validate, and the connector would not start at all
    const { cert: _cert, key: _key, ...noTls } = mqttConfig('rekeyed', s);
    first.manager().add('mqtt', noTls);
    first.db.close();

    const again = open(first.dataDir, new MasterKey(randomBytes(32)));
    const manager = again.manager();
    manager.startSaved();
    expect(lastConfig('rekeyed')?.password).toBeUndefined();
    const { config } = manager.getConfig('rekeyed');
    expect(config.password).toBeUndefined();
    await expect(manager.update('rekeyed', { ...config, password: STORED_MARKER })).rejects.toThrow(
      /no stored value/,
    );
    await manager.update('rekeyed', { ...config, password: 'typed-again' });
    expect(lastConfig('rekeyed')?.password).toBe('typed-again');
    expect(again.secrets.get('connector.rekeyed.password')).toBe('typed-again');
    again.db.close();
  });

  test('ids a secret name cannot hold are named by their hash', () => {
    const s = secretValues();
    const { db, names, manager } = open();
    manager().add('mqtt', mqttConfig('my broker #1', s));
    expect(names()).toEqual([
      expect.stringMatching(/^connector\.sha256-[0-9a-f]{64}\.key$/),
      expect.stringMatching(/^connector\.sha256-[0-9a-f]{64}\.password$/),
      expect.stringMatching(/^connector\.sha256-[0-9a-f]{64}\.url-password$/),
    ]);
    db.close();
  });
});
