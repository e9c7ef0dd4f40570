/**
 * Test fixture: a new socat pty pair for every test (`host` is the end Fieldline opens,
 * `device` the far end), plain serial ports on either end that are closed after the test,
 * then the pair and its folder removed. Call at the top of a test file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SerialPort } from 'serialport';
import { afterEach, beforeEach } from 'vitest';
import { quietLogger } from '../connectors/ble/test-helpers';
import { PtyPair } from '../connectors/serial/pty-pair';
import { type DeviceChannel, openDeviceChannel } from './device-channel';

export interface PtyFixture {
  readonly pair: PtyPair;
  readonly dir: string;
  /** one end of the pair as a plain serial port, closed after the test */
  openRaw(end: string): Promise<SerialPort>;
  /** Fieldline's device channel on the host end (or `path`), closed after the test */
  openChannel(path?: string): Promise<DeviceChannel>;
}

/** After each test: channels close, then `beforeStop` (a device the test attached), then raw ports and the pair. */
export function ptyPairPerTest(beforeStop: () => Promise<void> = async () => {}): PtyFixture {
  let current: { pair: PtyPair; dir: string; ports: SerialPort[]; channels: DeviceChannel[] } | undefined;
  beforeEach(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-pty-'));
    const pair = new PtyPair(path.join(dir, 'host'), path.join(dir, 'device'));
    await pair.start();
    current = { pair, dir, ports: [], channels: [] };
  });
  afterEach(async () => {
    if (!current) return;
    const { pair, dir, ports, channels } = current;
    current = undefined;
    for (const c of channels) await c.close();
    await beforeStop();
    for (const p of ports) if (p.isOpen) await new Promise<void>((resolve) => p.close(() => resolve()));
    await pair.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const now = () => {
    if (!current) throw new Error('the pty pair exists only while a test runs');
    return current;
  };
  return {
    get pair() {
      return now().pair;
    },
    get dir() {
      return now().dir;
    },
    async openRaw(end) {
      const port = new SerialPort({ path: end, baudRate: 115_200, autoOpen: false });
      await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
      now().ports.push(port);
      return port;
    },
    async openChannel(at) {
      const fixture = now();
      const channel = await openDeviceChannel(
        { kind: 'serial', path: at ?? fixture.pair.a, baudRate: 115_200 },
        { log: quietLogger() },
      );
      fixture.channels.push(channel);
      return channel;
    },
  };
}
