import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { ConnectorStatus } from '../../../../common/contract';
import type { Reading } from '../../../../common/reading';
import { cobsEncode } from '../../decoders/cobs';
import { appendCrc16 } from '../../decoders/crc';
import { slipEncode } from '../../decoders/slip';
import { createLogger } from '../../log';
import type { ConnectorSink, DeviceDescriptor } from '../connector';
import { PtyPair, requireSocat } from './pty-pair';
import { createSerialConnector, type SerialConnector, SerialConnectorConfigSchema } from './serial-connector';
import { listSerialPorts } from './serial-ports';

const log = createLogger({ level: 'silent' });

class RecordingSink implements ConnectorSink {
  readonly got: Reading[] = [];
  readonly devices: DeviceDescriptor[] = [];
  readonly statuses: ConnectorStatus[] = [];
  readings(batch: Reading[]): void {
    this.got.push(...batch);
  }
  deviceSeen(device: DeviceDescriptor): void {
    this.devices.push(device);
  }
  statusChanged(status: ConnectorStatus): void {
    this.statuses.push(status);
  }
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 3000): Promise<number> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return Date.now() - start;
}

/** this test process's own socat children: other test files run their own at the same time */
function socatPids(): number[] {
  try {
    return execFileSync('pgrep', ['-x', '-P', String(process.pid), 'socat'], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

let dir: string;
const pairs: PtyPair[] = [];
const connectors: SerialConnector[] = [];
let socatBefore: number[] = [];

function newPair(): PtyPair {
  const pair = new PtyPair(join(dir, `a${pairs.length}`), join(dir, `b${pairs.length}`));
  pairs.push(pair);
  return pair;
}

function connect(pair: PtyPair, extra: Record<string, unknown>, sink: ConnectorSink): SerialConnector {
  const config = SerialConnectorConfigSchema.parse({
    id: `serial-${connectors.length}`,
    path: pair.a,
    ...extra,
  });
  const connector = createSerialConnector(config, sink, log);
  connectors.push(connector);
  connector.start();
  return connector;
}

beforeAll(() => {
  requireSocat();
  dir = mkdtempSync(join(tmpdir(), 'fieldline-serial-'));
  socatBefore = socatPids();
});

afterEach(async () => {
  for (const c of connectors.splice(0)) await c.stop();
  for (const p of pairs.splice(0)) await p.stop();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  const left = socatPids().filter((pid) => !socatBefore.includes(pid));
  expect(left, 'socat processes left behind').toEqual([]);
});

describe('serial connector over a socat pty pair', () => {
  test('JSON lines: readings arrive, device announced, errors counted; replug reconnects within 2 s', async () => {
    const pair = newPair();
    await pair.start();
    const sink = new RecordingSink();
    const connector = connect(pair, { format: 'json-lines', profile: 'th-sensor' }, sink);
    await waitFor('connected', () => connector.status().state === 'connected');

    for (let seq = 0; seq < 20; seq++)
      pair.write(`{"dev":"th-1","seq":${seq},"t":${20 + seq / 10},"h":40}\n`);
    pair.write('garbage\n{"dev":"th-1","t":\n');
    await waitFor('40 readings', () => sink.got.length >= 40);
    await waitFor('2 decode errors', () => connector.status().decodeErrors >= 2);
    expect(sink.got.filter((r) => r.metric === 't').map((r) => r.seq)).toEqual([...Array(20).keys()]);
    expect(sink.got[0]).toMatchObject({ deviceId: 'th-1', metric: 't', value: 20, quality: 'good' });
    expect(sink.devices).toEqual([
      {
        id: 'th-1',
        name: 'th-1',
        kind: 'serial device',
        profile: 'th-sensor',
        transport: 'serial',
        connectorId: connector.id,
      },
    ]);
    const s = connector.status();
    expect(s).toMatchObject({ kind: 'serial', messagesIn: 22, readingsIn: 40, decodeErrors: 2, devices: 1 });
    expect(s.lastError).toMatch(/JSON/);

    // unplug: socat dies and the ptys vanish
    await pair.stop();
    // noticing is up to the OS and a loaded machine; the figure that matters is the replug below
    await waitFor('connector notices the unplug', () => connector.status().state !== 'connected', 10_000);
    await new Promise((r) => setTimeout(r, 300)); // stay unplugged across a failed reopen or two
    // replug on the same path
    await pair.start();
    const reconnectMs = await waitFor('reconnected', () => connector.status().state === 'connected', 2000);
    expect(reconnectMs).toBeLessThan(2000);
    pair.write('{"dev":"th-1","seq":100,"t":30}\n');
    await waitFor('data continues after replug', () => sink.got.some((r) => r.seq === 100));
    expect(sink.devices).toHaveLength(1);
    expect(sink.statuses.some((st) => st.state === 'disconnected' || st.state === 'error')).toBe(true);
  });

  test('a port that does not exist yet: retries with backoff, connects when it appears', async () => {
    const pair = newPair();
    const sink = new RecordingSink();
    const connector = connect(pair, { format: 'key-value', deviceId: 'kv-1' }, sink);
    await waitFor('error state', () => connector.status().state === 'error');
    expect(connector.status().lastError).toMatch(/cannot open/);
    await new Promise((r) => setTimeout(r, 2500)); // backoff has grown to its cap
    await pair.start();
    const ms = await waitFor('connected', () => connector.status().state === 'connected', 2000);
    expect(ms).toBeLessThan(2000);
    pair.write('t=21.5 h=40\r\nt:22,h:41\n');
    await waitFor('4 readings', () => sink.got.length >= 4);
    expect(sink.got.map((r) => [r.deviceId, r.metric, r.value])).toEqual([
      ['kv-1', 't', 21.5],
      ['kv-1', 'h', 40],
      ['kv-1', 't', 22],
      ['kv-1', 'h', 41],
    ]);
  });

  test('CSV with a header line, split across writes', async () => {
    const pair = newPair();
    await pair.start();
    const sink = new RecordingSink();
    const connector = connect(pair, { format: 'csv', deviceId: 'csv-1' }, sink);
    await waitFor('connected', () => connector.status().state === 'connected');
    pair.write('seq,temperature,hum');
    await new Promise((r) => setTimeout(r, 20));
    pair.write('idity\n1,21.5,40\n2,NaN,41\n3,1,2,3\n');
    await waitFor(
      '4 readings and 1 error',
      () => sink.got.length >= 4 && connector.status().decodeErrors >= 1,
    );
    expect(sink.got.map((r) => [r.seq, r.metric, r.value, r.quality])).toEqual([
      [1, 'temperature', 21.5, 'good'],
      [1, 'humidity', 40, 'good'],
      [2, 'temperature', null, 'null'],
      [2, 'humidity', 41, 'good'],
    ]);
  });

  // ESPHome logger.cpp "%s[%s][%s:%03u]: ", ESP-IDF esp_log.h LOG_FORMAT " (%" PRIu32 ") %s: "
  test('firmware log lines on a JSON port: counted as log lines in the status, not decode errors', async () => {
    const pair = newPair();
    await pair.start();
    const sink = new RecordingSink();
    const connector = connect(pair, { format: 'json-lines' }, sink);
    await waitFor('connected', () => connector.status().state === 'connected');
    pair.write('\x1b[0;32m[I][boot:123]: Running through setup()...\x1b[0m\r\n');
    pair.write('I (315) wifi: mode : sta\n{"dev":"esp-1","temperature":21.5}\n');
    pair.write('\x1b[0;33m[W][sensor:094]: slow read\x1b[0m\n');
    await waitFor('3 log lines', () => connector.status().logLines === 3 && sink.got.length === 1);
    expect(connector.status()).toMatchObject({ decodeErrors: 0, logLines: 3, messagesIn: 1, readingsIn: 1 });
    await waitFor('status sent', () => sink.statuses.at(-1)?.logLines === 3);
  });

  test('COBS and SLIP frames with CRC: good frames decode, bad CRC is a counted error; replug', async () => {
    const pair = newPair();
    await pair.start();
    const sink = new RecordingSink();
    const connector = connect(pair, { format: 'cobs-crc' }, sink);
    await waitFor('connected', () => connector.status().state === 'connected');
    const frame = (obj: object) => appendCrc16(Buffer.from(JSON.stringify(obj)));
    const good = frame({ dev: 'bin-1', seq: 1, p: 101.3 });
    const bad = frame({ dev: 'bin-1', seq: 2, p: 99 });
    bad[3]! ^= 0x01;
    pair.write(
      Buffer.concat([
        Buffer.from([0]),
        cobsEncode(good),
        Buffer.from([0]),
        cobsEncode(bad),
        Buffer.from([0]),
      ]),
    );
    await waitFor('reading and error', () => sink.got.length >= 1 && connector.status().decodeErrors >= 1);
    expect(sink.got).toHaveLength(1);
    expect(sink.got[0]).toMatchObject({ deviceId: 'bin-1', seq: 1, metric: 'p', value: 101.3 });
    expect(connector.status().lastError).toBe('frame CRC mismatch');

    await pair.stop();
    await waitFor('unplug noticed', () => connector.status().state !== 'connected', 10_000);
    await pair.start();
    await waitFor('reconnected', () => connector.status().state === 'connected', 10_000);
    pair.write(Buffer.concat([cobsEncode(frame({ dev: 'bin-1', seq: 3, p: 100 })), Buffer.from([0])]));
    await waitFor('data continues', () => sink.got.some((r) => r.seq === 3));

    const slipPair = newPair();
    await slipPair.start();
    const slipSink = new RecordingSink();
    const slip = connect(slipPair, { format: 'slip-crc' }, slipSink);
    await waitFor('slip connected', () => slip.status().state === 'connected');
    slipPair.write(slipEncode(frame({ dev: 'slip-1', v: 1 })));
    slipPair.write(slipEncode(new Uint8Array([1, 2, 3])));
    await waitFor(
      'slip reading and error',
      () => slipSink.got.length >= 1 && slip.status().decodeErrors >= 1,
    );
    expect(slipSink.got[0]).toMatchObject({ deviceId: 'slip-1', metric: 'v', value: 1 });
  });

  test('a sustained stream arrives complete and in order', async () => {
    const pair = newPair();
    await pair.start();
    const sink = new RecordingSink();
    const connector = connect(pair, { format: 'json-lines' }, sink);
    await waitFor('connected', () => connector.status().state === 'connected');
    const total = 3000;
    for (let seq = 0; seq < total; seq += 50) {
      let batch = '';
      for (let k = seq; k < seq + 50; k++) batch += `{"dev":"s-${k % 3}","seq":${k},"v":${k}}\n`;
      pair.write(batch); // about 1.5 KB: below the pty buffers, so the write never blocks
      await waitFor('batch drained', () => sink.got.length >= seq + 50);
    }
    expect(sink.got.map((r) => r.seq)).toEqual([...Array(total).keys()]);
    expect(sink.devices.map((d) => d.id).sort()).toEqual(['s-0', 's-1', 's-2']);
    expect(connector.status()).toMatchObject({
      messagesIn: total,
      readingsIn: total,
      decodeErrors: 0,
      devices: 3,
    });
  });

  test('onRaw sees rx and tx bytes; send writes to the device side', async () => {
    const pair = newPair();
    await pair.start();
    const sink = new RecordingSink();
    const connector = connect(pair, { format: 'json-lines', deviceId: 'd' }, sink);
    await waitFor('connected', () => connector.status().state === 'connected');
    const raw: { direction: string; text: string }[] = [];
    const off = connector.onRaw((e) =>
      raw.push({ direction: e.direction, text: Buffer.from(e.bytes).toString() }),
    );
    pair.write('{"x":1}\n');
    await waitFor('rx', () => raw.some((e) => e.direction === 'rx'));
    await connector.send(Buffer.from('ping\n'));
    expect(raw.filter((e) => e.direction === 'tx').map((e) => e.text)).toEqual(['ping\n']);
    expect(
      raw
        .filter((e) => e.direction === 'rx')
        .map((e) => e.text)
        .join(''),
    ).toBe('{"x":1}\n');
    off();
    await connector.stop();
    expect(connector.status().state).toBe('disconnected');
    await expect(connector.send(Buffer.from('x'))).rejects.toThrow(/not open/);
  });

  test('listing ports never throws, even when the platform lister fails', async () => {
    const ports = await listSerialPorts(() => Promise.reject(new Error('udevadm not found')));
    expect(Array.isArray(ports)).toBe(true);
    expect(Array.isArray(await listSerialPorts())).toBe(true);
  });

  test('config schema fills defaults and rejects bad settings', () => {
    const c = SerialConnectorConfigSchema.parse({ id: 's', path: '/dev/ttyUSB0' });
    expect(c).toMatchObject({
      baudRate: 115200,
      dataBits: 8,
      parity: 'none',
      stopBits: 1,
      flowControl: 'none',
    });
    expect(c.format).toBe('json-lines');
    expect(SerialConnectorConfigSchema.safeParse({ id: 's', path: '/x', dataBits: 9 }).success).toBe(false);
    expect(SerialConnectorConfigSchema.safeParse({ id: 's', path: '/x', format: 'xml' }).success).toBe(false);
  });
});
