/**
 * A user adds a serial port through the RPC and the device's readings reach the store:
 * the engine, the connector manager and the serial connector over a real socat pty pair.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { createEngine, type Engine } from '../../engine';
import { silent, tempDataDir } from '../../store/test-fixtures';
import { rawClient, transportPair } from '../../test-transport';
import { PtyPair } from './pty-pair';

let engine: Engine | undefined;
let pty: PtyPair | undefined;
afterEach(async () => {
  await engine?.close();
  await pty?.stop();
  engine = undefined;
  pty = undefined;
});

describe('serial port added through the engine (socat pty pair)', () => {
  test('connectors.add → device discovered → readings stored and queryable', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-pty-'));
    pty = new PtyPair(path.join(dir, 'app'), path.join(dir, 'device'));
    await pty.start();
    engine = await createEngine({
      dataDir: tempDataDir('serial-engine'),
      demo: false,
      host: 'test',
      log: silent,
    });
    const [server, clientEnd] = transportPair();
    engine.connect(server);
    const rpc = rawClient(clientEnd);
    const added = await rpc.call('connectors.add', {
      kind: 'serial',
      config: {
        id: 'usb0',
        path: pty.a,
        format: 'key-value',
        deviceId: 'bench-sensor',
        profile: 'env-sensor',
      },
    });
    expect(added.error).toBeUndefined();
    const ports = await rpc.call('serial.ports');
    expect(Array.isArray(ports.result)).toBe(true);

    const t0 = Date.now();
    const deadline = t0 + 10_000;
    let stored = 0;
    for (let i = 0; Date.now() < deadline && stored < 20; i++) {
      pty.write(`temperature=${(20 + i / 10).toFixed(1)} humidity=${40 + (i % 5)}\n`);
      await new Promise((r) => setTimeout(r, 50));
      const q = await rpc.call('readings.query', {
        deviceId: 'bench-sensor',
        metric: 'temperature',
        from: t0 - 1000,
        to: Date.now() + 1000,
        pixelWidth: 1000,
      });
      stored = ((q.result as { ts?: number[] } | undefined)?.ts ?? []).length;
    }
    expect(stored).toBeGreaterThanOrEqual(20);
    const devices = (await rpc.call('devices.list')).result as { id: string; transport: string }[];
    expect(devices).toContainEqual(expect.objectContaining({ id: 'bench-sensor', transport: 'serial' }));
    const connectors = (await rpc.call('connectors.list')).result as { id: string; state: string }[];
    expect(connectors).toContainEqual(expect.objectContaining({ id: 'usb0', state: 'connected' }));

    // the serial monitor sees both directions; a line sent from the UI reaches the device
    const sub = await rpc.call('stream.subscribe', {
      stream: 'serial.monitor',
      params: { connectorId: 'usb0' },
    });
    expect(sub.error).toBeUndefined();
    pty.write('temperature=30.5\n');
    expect((await rpc.call('serial.send', { connectorId: 'usb0', text: 'AT+ID?' })).result).toEqual({
      ok: true,
    });
    expect((await rpc.call('serial.send', { connectorId: 'usb0', hex: '01 02 zz' })).error).toMatchObject({
      code: 'INVALID_PARAMS',
    });
    expect((await rpc.call('mqtt.topics', { connectorId: 'usb0' })).error).toMatchObject({
      code: 'INVALID_PARAMS',
    });
    const seen = { rx: '', tx: '' };
    const until = Date.now() + 5000;
    while (Date.now() < until && !(seen.rx.includes('30.5') && seen.tx.includes('AT+ID?'))) {
      await new Promise((r) => setTimeout(r, 50));
      seen.rx = '';
      seen.tx = '';
      for (const m of rpc.received.filter((x) => x.stream === 'serial.monitor')) {
        for (const c of (m.data as { chunks: { direction: 'rx' | 'tx'; data: string }[] }).chunks) {
          seen[c.direction] += Buffer.from(c.data, 'base64').toString();
        }
      }
    }
    expect(seen.rx).toContain('temperature=30.5');
    expect(seen.tx).toBe('AT+ID?\n');
  });
});
