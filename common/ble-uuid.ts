/**
 * Bluetooth UUIDs as people type them and as noble reports them (Core Spec Vol 3 Part B
 * §2.5.1): 16-bit "180F" or "0x180F", 32-bit "0000180F", 128-bit
 * "0000180f-0000-1000-8000-00805f9b34fb" or the same 32 hex digits without dashes.
 * Case-insensitive. Anything else (a stray dash, 5 digits, a name) is refused with words
 * that show the accepted forms.
 */
import { z } from 'zod';

const SHORT = /^(0x)?([0-9a-f]{4}|[0-9a-f]{8})$/i;
const DASHED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PLAIN = /^[0-9a-f]{32}$/i;

export const BLE_UUID_MESSAGE =
  'a Bluetooth UUID: 16-bit like 180F or 0x180F, or 128-bit like 0000180f-0000-1000-8000-00805f9b34fb';
/** the longest accepted form: 36 characters (128-bit with dashes) */
export const BLE_UUID_MAX_LENGTH = 36;

export function isBleUuid(text: string): boolean {
  const t = text.trim();
  return SHORT.test(t) || DASHED.test(t) || PLAIN.test(t);
}

/** A UUID field of a schema: checked, untouched otherwise (callers normalise as they need). */
export const BleUuidSchema = z
  .string()
  .max(BLE_UUID_MAX_LENGTH, BLE_UUID_MESSAGE)
  .refine(isBleUuid, BLE_UUID_MESSAGE);
