/**
 * device-write over a serial line, through a real pty pair (socat): the serial connector
 * writes the command in the wire format its device prints (decoders/json-line: `dev` then
 * the metrics), and the far end of the pty, the device's side, reads it byte for byte.
 * While the port is gone the write waits, and goes out once the port is back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../audit/audit-log';
import { waitFor } from '../../connectors/mqtt/mosquitto-harness';
import { RecordingSink } from '../../connectors/mqtt/test-sink';
import { PtyPair, requireSocat } from '../../connectors/serial/pty-pair';
import {
  createSerialConnector,
  type SerialConnector,
  SerialConnectorConfigSchema,
} from '../../connectors/serial/serial-connector';
import { openTestDb, silent } from '../../store/test-fixtures';
import { NoticeTableSource } from '../notice-table-source';
import { createEdgeActions } from './edge-actions';
import { addNotice, saveRule } from './notice-fixtures';

let dir: string;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(() => {
  requireSocat();
  dir = mkdtempSync(join(tmpdir(), 'fieldline-serial-actions-'));
  return () => rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** the device's end of the pty: everything written to it, as text */
async function deviceSide(path: string): Promise<{ text: () => string }> {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  const chunks: Buffer[] = [];
  port.on('data', (b: Buffer) => chunks.push(b));
  cleanups.push(
    () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  );
  return { text: () => Buffer.concat(chunks).toString() };
}

function setup(pair: PtyPair, actions: unknown[]) {
  const connector: SerialConnector = createSerialConnector(
    SerialConnectorConfigSchema.parse({
      id: 'usb0',
      path: pair.a,
      format: 'json-lines',
      deviceId: 'dosing-pump',
    }),
    new RecordingSink(),
    silent,
  );
  connector.start();
  cleanups.push(() => connector.stop());
  const { db } = openTestDb('serial-actions');
  cleanups.push(() => {
    db.close();
  });
  saveRule(db, 'low-ph', actions);
  const source = new NoticeTableSource(db);
  const audit = new AuditLog(db);
  const edge = createEdgeActions({
    db,
    source,
    connector: (id) => (id === 'usb0' ? connector : undefined),
    connectorOf: (deviceId) => (deviceId === 'dosing-pump' ? 'usb0' : undefined),
    audit: (e) => audit.append(e),
    log: silent,
    tuning: { retryMinMs: 20, retryMaxMs: 50, pollMs: 50 },
  });
  edge.runner.start();
  cleanups.push(() => edge.runner.stop());
  return {
    connector,
    edge,
    audit,
    raise: () => {
      addNotice(db, {
        ruleId: 'low-ph',
        kind: 'raised',
        deviceId: 'dosing-pump',
        metric: 'ph',
        at: Date.now(),
      });
      source.notify();
    },
  };
}

describe('device-write over a serial line', () => {
  it('writes the command as a JSON line with the device envelope, audited', async () => {
    const pair = new PtyPair(join(dir, 'a0'), join(dir, 'b0'));
    cleanups.push(() => pair.stop());
    await pair.start();
    const device = await deviceSide(pair.b);
    const { connector, raise, audit } = setup(pair, [
      {
        kind: 'device-write',
        on: ['active'],
        deviceId: 'dosing-pump',
        metric: 'rate',
        value: 12.5,
        bounds: { min: 0, max: 20 },
      },
      { kind: 'device-write', on: ['active'], deviceId: 'dosing-pump', metric: 'mode', value: 'boost' },
    ]);
    await waitFor(() => connector.status().state === 'connected', 'port open');
    raise();
    await waitFor(() => device.text().split('\n').length === 3, 'two lines at the device');
    expect(device.text()).toBe('{"dev":"dosing-pump","rate":12.5}\n{"dev":"dosing-pump","mode":"boost"}\n');
    const entries = audit.list({ subject: 'dosing-pump', action: 'device.write' }).entries;
    expect(entries.map((e) => (e.after as { target: string }).target)).toEqual([
      'serial usb0',
      'serial usb0',
    ]);
  });

  it('waits while the port is unplugged and writes once it is back', async () => {
    const pair = new PtyPair(join(dir, 'a1'), join(dir, 'b1'));
    cleanups.push(() => pair.stop());
    const { connector, raise, edge } = setup(pair, [
      { kind: 'device-write', on: ['active'], deviceId: 'dosing-pump', metric: 'rate', value: 3 },
    ]);
    raise();
    await waitFor(() => connector.status().state !== 'connecting', 'the first open failed');
    await edge.runner.drain();
    expect(edge.actionLog.list({ limit: 5 })).toEqual([]);
    await pair.start();
    const device = await deviceSide(pair.b);
    await waitFor(
      () => device.text() === '{"dev":"dosing-pump","rate":3}\n',
      'the line after the replug',
      15_000,
    );
    await waitFor(() => edge.actionLog.list({ limit: 1 })[0]?.outcome === 'done', 'logged done');
  });
});
