/**
 * Lists the serial ports a user can pick. SerialPort.list() on Linux needs udevadm; when
 * it fails (a container, a minimal distro) fall back to /dev/serial/by-id, and if that
 * is missing too, return an empty list. Never throws.
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

const BY_ID = '/dev/serial/by-id';

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

export async function listSerialPorts(
  list: () => Promise<Awaited<ReturnType<typeof SerialPort.list>>> = () => SerialPort.list(),
): Promise<SerialPortInfo[]> {
  const byId = await scanSerialById();
  let listed: Awaited<ReturnType<typeof SerialPort.list>>;
  try {
    listed = await list();
  } catch {
    return byId;
  }
  const aliases = new Map(byId.map((p) => [p.path, p.byId]));
  const out: SerialPortInfo[] = listed.map((p) => {
    const info: SerialPortInfo = { path: p.path };
    if (p.manufacturer) info.manufacturer = p.manufacturer;
    if (p.serialNumber) info.serialNumber = p.serialNumber;
    if (p.vendorId) info.vendorId = p.vendorId;
    if (p.productId) info.productId = p.productId;
    const alias = aliases.get(p.path);
    if (alias) info.byId = alias;
    return info;
  });
  for (const p of byId) if (!out.some((o) => o.path === p.path)) out.push(p);
  return out;
}
