/**
 * Lists the serial ports a user can pick; the UI asks every second, so a USB adapter
 * plugged in or pulled out shows within two seconds. SerialPort.list() on Linux runs
 * udevadm; when that fails (a container, a minimal distro) the answer comes from
 * /dev/serial/by-id alone, and when that is missing too, it is an empty list. A platform
 * lister that hangs is given up on after `timeoutMs`, so one slow udevadm cannot stretch
 * the UI's one-second poll. Never throws.
 *
 * Both sources are injectable (`list`, `byIdDir`) so the hot-plug behaviour can be tested
 * without USB hardware.
 */
import { readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { SerialPort } from 'serialport';

export interface SerialPortInfo {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
  /** stable alias such as /dev/serial/by-id/usb-FTDI_..., when known */
  byId?: string;
}

/** What the platform enumerator (SerialPort.list) answers. */
export type PlatformPort = Awaited<ReturnType<typeof SerialPort.list>>[number];
export type PlatformLister = () => Promise<PlatformPort[]>;

export interface SerialPortSources {
  /** the platform enumerator; SerialPort.list() unless told */
  list?: PlatformLister;
  /** udev's folder of stable links; /dev/serial/by-id unless told */
  byIdDir?: string;
  /** give up on the platform enumerator after this long and answer from by-id (ms) */
  timeoutMs?: number;
}

const BY_ID = '/dev/serial/by-id';
/** with a 1 s poll, a port plugged in just after one poll starts shows by 1 s + this */
export const DEFAULT_LIST_TIMEOUT_MS = 750;

const defaultLister: PlatformLister = () => SerialPort.list();
/** one enumeration per lister at a time: a hung udevadm is not joined by another every second */
const inFlight = new WeakMap<PlatformLister, Promise<PlatformPort[]>>();

export async function scanSerialById(dir = BY_ID): Promise<SerialPortInfo[]> {
  try {
    const names = await readdir(dir);
    const out: SerialPortInfo[] = [];
    for (const name of names.sort()) {
      const alias = join(dir, name);
      try {
        out.push({ path: await realpath(alias), byId: alias });
      } catch {
        // dangling link: the device just went away
      }
    }
    return out;
  } catch {
    return [];
  }
}

/** `sources` may also be just the platform lister (the older call form). */
export async function listSerialPorts(
  sources: SerialPortSources | PlatformLister = {},
): Promise<SerialPortInfo[]> {
  const s = typeof sources === 'function' ? { list: sources } : sources;
  const [byId, listed] = await Promise.all([
    scanSerialById(s.byIdDir),
    enumerate(s.list ?? defaultLister, s.timeoutMs ?? DEFAULT_LIST_TIMEOUT_MS),
  ]);
  if (listed === undefined) return byId;
  const aliases = new Map(byId.map((p) => [p.path, p.byId]));
  const out: SerialPortInfo[] = [];
  for (const p of listed) {
    if (typeof p?.path !== 'string' || p.path === '') continue;
    const info: SerialPortInfo = { path: p.path };
    if (p.manufacturer) info.manufacturer = p.manufacturer;
    if (p.serialNumber) info.serialNumber = p.serialNumber;
    if (p.vendorId) info.vendorId = p.vendorId;
    if (p.productId) info.productId = p.productId;
    const alias = aliases.get(p.path);
    if (alias) info.byId = alias;
    out.push(info);
  }
  const seen = new Set(out.map((o) => o.path));
  for (const p of byId) if (!seen.has(p.path)) out.push(p);
  return out;
}

/** The platform's list, or undefined when it failed or took longer than `timeoutMs`. */
async function enumerate(list: PlatformLister, timeoutMs: number): Promise<PlatformPort[] | undefined> {
  let running = inFlight.get(list);
  if (running === undefined) {
    running = Promise.resolve()
      .then(list)
      .finally(() => inFlight.delete(list));
    inFlight.set(list, running);
  }
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  try {
    const result = await Promise.race([running, late]);
    return Array.isArray(result) ? result : undefined;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
