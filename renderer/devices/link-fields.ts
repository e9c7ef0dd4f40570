/**
 * The fields of a device link picker (a serial port and baud rate, or a BLE adapter and
 * peripheral) as text, and their parse into the contract's DeviceLink. Shared by the
 * wizard's Connect step and certificate rotation in the registry, so both name the same
 * mistakes at the same fields.
 */

import type { z } from 'zod';
import { type DeviceLink, DeviceLinkSchema } from '../../common/commissioning-contract';
import { plainMessage } from '../../common/validation-messages';

export type LinkErrors = Partial<Record<keyof LinkFields & string, string>>;
export type ParsedLink = { ok: true; link: DeviceLink } | { ok: false; errors: LinkErrors };

export interface LinkFields {
  kind: 'serial' | 'ble';
  path: string;
  baudRate: string;
  connectorId: string;
  peripheralId: string;
}

export const DEFAULT_BAUD_RATE = 115_200;

export function linkFieldsFrom(link: DeviceLink | null | undefined): LinkFields {
  return {
    kind: link?.kind ?? 'serial',
    path: link?.kind === 'serial' ? link.path : '',
    baudRate: link?.kind === 'serial' ? String(link.baudRate) : String(DEFAULT_BAUD_RATE),
    connectorId: link?.kind === 'ble' ? link.connectorId : '',
    peripheralId: link?.kind === 'ble' ? link.peripheralId : '',
  };
}

function wholeNumber(text: string): number | null {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : null;
}

/** The schema's first issue per field; an issue on another path goes to `fallback`. */
function errorsFrom(
  error: z.ZodError,
  fields: readonly (keyof LinkFields)[],
  fallback: keyof LinkFields,
): LinkErrors {
  const errors: LinkErrors = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? '') as keyof LinkFields;
    const field = fields.includes(key) ? key : fallback;
    if (!errors[field]) errors[field] = plainMessage(issue, DeviceLinkSchema);
  }
  return errors;
}

export function parseLink(f: LinkFields): ParsedLink {
  if (f.kind === 'serial') {
    const baud = wholeNumber(f.baudRate);
    if (f.path.trim() === '') return { ok: false, errors: { path: 'choose a port or type its path' } };
    if (baud === null) return { ok: false, errors: { baudRate: 'a whole number, e.g. 115200' } };
    const checked = DeviceLinkSchema.safeParse({ kind: 'serial', path: f.path.trim(), baudRate: baud });
    if (!checked.success)
      return { ok: false, errors: errorsFrom(checked.error, ['path', 'baudRate'], 'path') };
    return { ok: true, link: checked.data };
  }
  if (f.connectorId === '') return { ok: false, errors: { connectorId: 'choose a Bluetooth adapter' } };
  if (f.peripheralId === '') return { ok: false, errors: { peripheralId: 'choose the device' } };
  const checked = DeviceLinkSchema.safeParse({
    kind: 'ble',
    connectorId: f.connectorId,
    peripheralId: f.peripheralId,
  });
  if (!checked.success)
    return {
      ok: false,
      errors: errorsFrom(checked.error, ['connectorId', 'peripheralId'], 'peripheralId'),
    };
  return { ok: true, link: checked.data };
}

/** A link in a few words, for results and audit-like summaries. */
export function describeLink(link: DeviceLink): string {
  return link.kind === 'serial'
    ? `${link.path} @ ${link.baudRate}`
    : `${link.peripheralId} via ${link.connectorId}`;
}
