/**
 * Serial hot-plug without USB hardware: the platform lister is injected (or made to fail
 * for real by hiding udevadm), and the by-id folder is a temp folder in which socat makes
 * real ptys under udev-style names, as udev does for a USB adapter. Plugging is starting
 * socat, unplugging is stopping it (socat removes its link, as udev does on removal).
 * The watcher polls once a second and skips a tick while a poll is running, as the
 * Serial form does (renderer/state/poller.ts), so "within 2 s" is measured the way a user
 * would see it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { PtyPair, requireSocat } from './pty-pair';
import {
  listSerialPorts,
  type PlatformPort,
  type SerialPortInfo,
  type SerialPortSources,
} from './serial-ports';

/** the Serial form's PORT_POLL_MS */
const POLL_MS = 1000;
const HOT_PLUG_BOUND_MS = 2000;

let root: string;
let byIdDir: string;
let farDir: string;
const pairs: PtyPair[] = [];
const watches: PortWatch[] = [];

beforeAll(() => {
  requireSocat();
  root = mkdtempSync(join(tmpdir(), 'fieldline-hotplug-'));
  byIdDir = join(root, 'by-id');
  farDir = join(root, 'far');
  mkdirSync(byIdDir);
  mkdirSync(farDir);
});

afterEach(async () => {
  for (const w of watches.splice(0)) w.stop();
  for (const p of pairs.splice(0)) await p.stop();
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Asks listSerialPorts every second and notes when each path was first seen and then missed. */
class PortWatch {
  readonly appearedAt = new Map<string, number>();
  readonly vanishedAt = new Map<string, number>();
  latest: SerialPortInfo[] = [];
  polls = 0;
  private inFlight = false;
  private readonly timer: NodeJS.Timeout;
  private pollStarted: (() => void) | undefined;

  constructor(private readonly sources: SerialPortSources) {
    this.timer = setInterval(() => this.poll(), POLL_MS);
    this.poll();
  }

  /** resolves when the next poll starts: plugging right after it is the slowest case */
  nextPollStart(): Promise<void> {
    return new Promise((resolve) => {
      this.pollStarted = resolve;
    });
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private poll(): void {
    if (this.inFlight) return;
    this.inFlight = true;
    this.pollStarted?.();
    this.pollStarted = undefined;
    void listSerialPorts(this.sources).then((ports) => {
      this.inFlight = false;
      this.polls++;
      const now = Date.now();
      const paths = new Set(ports.map((p) => p.path));
      for (const p of paths) {
        if (!this.appearedAt.has(p)) this.appearedAt.set(p, now);
        this.vanishedAt.delete(p);
      }
      for (const p of this.appearedAt.keys())
        if (!paths.has(p) && !this.vanishedAt.has(p)) this.vanishedAt.set(p, now);
      this.latest = ports;
    });
  }
}

function watch(sources: SerialPortSources): PortWatch {
  const w = new PortWatch(sources);
  watches.push(w);
  return w;
}

async function until(check: () => boolean, what: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A USB adapter as udev names it in /dev/serial/by-id, backed by a real pty. */
async function plug(name: string): Promise<{ pair: PtyPair; alias: string; path: string }> {
  const alias = join(byIdDir, name);
  const pair = new PtyPair(alias, join(farDir, name));
  pairs.push(pair);
  await pair.start();
  return { pair, alias, path: realpathSync(alias) };
}

/** Plugs at the slowest moment (just as a poll starts) and returns how long until the watch saw it. */
async function timeToAppear(w: PortWatch, name: string) {
  await w.nextPollStart();
  const t0 = Date.now();
  const port = await plug(name);
  await until(() => w.appearedAt.has(port.path), `${name} to appear`, HOT_PLUG_BOUND_MS + 1500);
  return { ...port, ms: w.appearedAt.get(port.path)! - t0 };
}

async function timeToVanish(w: PortWatch, port: { pair: PtyPair; path: string }, also?: () => void) {
  await w.nextPollStart();
  const t0 = Date.now();
  also?.();
  await port.pair.stop();
  await until(() => w.vanishedAt.has(port.path), `${port.path} to vanish`, HOT_PLUG_BOUND_MS + 1500);
  return w.vanishedAt.get(port.path)! - t0;
}

describe('serial port hot-plug, with an injected lister and ptys in a temp by-id folder (no USB hardware)', () => {
  test('injected lister: a USB adapter plugged in is reported with its ids and by-id alias within 2 s, and gone within 2 s of unplugging', async () => {
    const bus = new Map<string, PlatformPort>();
    const w = watch({ list: async () => [...bus.values()], byIdDir });
    await until(() => w.polls > 0, 'the first poll', 3000);

    // the platform enumerator knows the adapter as soon as its tty exists
    await w.nextPollStart();
    const t0 = Date.now();
    const port = await plug('usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0');
    bus.set(port.path, {
      path: port.path,
      manufacturer: 'FTDI',
      serialNumber: 'A50285BI',
      vendorId: '0403',
      productId: '6001',
      pnpId: undefined,
      locationId: undefined,
    });
    await until(() => w.appearedAt.has(port.path), 'the adapter to appear', HOT_PLUG_BOUND_MS + 1500);
    expect(w.appearedAt.get(port.path)! - t0).toBeLessThanOrEqual(HOT_PLUG_BOUND_MS);
    expect(w.latest.find((p) => p.path === port.path)).toEqual({
      path: port.path,
      manufacturer: 'FTDI',
      serialNumber: 'A50285BI',
      vendorId: '0403',
      productId: '6001',
      byId: port.alias,
    });

    const gone = await timeToVanish(w, port, () => bus.delete(port.path));
    expect(gone).toBeLessThanOrEqual(HOT_PLUG_BOUND_MS);
    expect(w.latest.some((p) => p.path === port.path)).toBe(false);
  });

  test('udevadm missing (the real SerialPort.list with a PATH that has no udevadm): ports still come and go within 2 s from by-id', async () => {
    const bin = join(root, 'bin');
    mkdirSync(bin);
    // only socat on the PATH, so SerialPort.list's `udevadm info -e` fails with ENOENT for real
    symlinkSync(
      execFileSync('sh', ['-c', 'command -v socat'], { encoding: 'utf8' }).trim(),
      join(bin, 'socat'),
    );
    const path = process.env.PATH;
    process.env.PATH = bin;
    try {
      await expect(SerialPort.list()).rejects.toThrow(/ENOENT/);
      const w = watch({ byIdDir });
      await until(() => w.polls > 0, 'the first poll', 3000);

      const port = await timeToAppear(w, 'usb-Silicon_Labs_CP2102_0001-if00-port0');
      expect(port.ms).toBeLessThanOrEqual(HOT_PLUG_BOUND_MS);
      expect(w.latest.find((p) => p.path === port.path)).toEqual({ path: port.path, byId: port.alias });

      expect(await timeToVanish(w, port)).toBeLessThanOrEqual(HOT_PLUG_BOUND_MS);
    } finally {
      process.env.PATH = path;
    }
  });

  test('a platform lister that never answers is given up on, asked only once, and by-id still reports hot-plug within 2 s', async () => {
    let calls = 0;
    const hung = () => {
      calls++;
      return new Promise<PlatformPort[]>(() => {});
    };
    const w = watch({ list: hung, byIdDir });
    await until(() => w.polls > 0, 'the first poll', 3000);

    const port = await timeToAppear(w, 'usb-Arduino__www.arduino.cc__0043_75735303-if00');
    expect(port.ms).toBeLessThanOrEqual(HOT_PLUG_BOUND_MS);
    expect(await timeToVanish(w, port)).toBeLessThanOrEqual(HOT_PLUG_BOUND_MS);
    // polls went on every second while the first udevadm still hung; none started another
    expect(w.polls).toBeGreaterThanOrEqual(3);
    expect(calls).toBe(1);
  });

  test('a hostile lister (rejects, or answers garbage) falls back to by-id and never throws', async () => {
    const port = await plug('usb-hostile-if00');
    const rejecting = await listSerialPorts({
      list: () => Promise.reject(new Error('udevadm exited 1')),
      byIdDir,
    });
    expect(rejecting).toEqual([{ path: port.path, byId: port.alias }]);
    const throwing = await listSerialPorts({
      list: () => {
        throw new Error('sync throw');
      },
      byIdDir,
    });
    expect(throwing).toEqual([{ path: port.path, byId: port.alias }]);
    const garbage = await listSerialPorts({ list: async () => 'nope' as unknown as PlatformPort[], byIdDir });
    expect(garbage).toEqual([{ path: port.path, byId: port.alias }]);
    const junkEntries = await listSerialPorts({
      list: async () => [null, { path: 7 }, { path: '' }] as unknown as PlatformPort[],
      byIdDir,
    });
    expect(junkEntries).toEqual([{ path: port.path, byId: port.alias }]);
    expect(await listSerialPorts({ list: async () => [], byIdDir: join(root, 'missing') })).toEqual([]);
  });
});
