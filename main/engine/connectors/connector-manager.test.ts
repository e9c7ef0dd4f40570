import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import type { ConnectorStatus } from '../../../common/contract';
import { openStore, silent } from '../store/test-fixtures';
import type { Connector, ConnectorSink } from './connector';
import { type ConnectorFactory, ConnectorManager } from './connector-manager';

const started: string[] = [];
const fake: ConnectorFactory = {
  schema: z.object({ id: z.string().min(1), port: z.number().int().default(1) }).strict(),
  create(config): Connector {
    let state: ConnectorStatus['state'] = 'disconnected';
    return {
      id: config.id,
      status: () => ({
        id: config.id,
        kind: 'serial',
        label: config.id,
        state,
        detail: JSON.stringify(config),
        devices: 0,
        messagesIn: 0,
        readingsIn: 0,
        decodeErrors: 0,
        lastError: null,
        since: 0,
      }),
      start() {
        state = 'connected';
        started.push(config.id);
      },
      async stop() {
        state = 'disconnected';
      },
    };
  },
};
const sink: ConnectorSink = { readings: () => {}, deviceSeen: () => {}, statusChanged: () => {} };

describe('connector manager', () => {
  test('adds a validated connector, remembers it across a restart, removes it', async () => {
    const { db, dataDir } = openStore();
    const manager = new ConnectorManager(db, { serial: fake }, sink, silent, () => ['demo-serial']);
    expect(manager.add('serial', { id: 'usb0' })).toMatchObject({
      id: 'usb0',
      state: 'connected',
      detail: '{"id":"usb0","port":1}',
    });
    expect(() => manager.add('serial', { id: 'usb0' })).toThrow(/exists already/);
    expect(() => manager.add('serial', { id: 'demo-serial' })).toThrow(/exists already/);
    expect(() => manager.add('serial', { id: 'x', port: 'one' })).toThrow(/invalid serial connector: port/);
    expect(() => manager.add('serial', { id: 'x', extra: 1 })).toThrow(/invalid serial connector/);
    expect(() => manager.add('modbus', { id: 'x' })).toThrow(/unknown connector kind/);
    db.close();

    const again = openStore(dataDir);
    const restarted = new ConnectorManager(again.db, { serial: fake }, sink, silent, () => []);
    restarted.startSaved();
    expect(restarted.list().map((c) => c.status().state)).toEqual(['connected']);
    expect(await restarted.remove('usb0')).toBe(true);
    expect(await restarted.remove('usb0')).toBe(false);
    const third = new ConnectorManager(again.db, { serial: fake }, sink, silent, () => []);
    third.startSaved();
    expect(third.list()).toEqual([]);
  });
});
