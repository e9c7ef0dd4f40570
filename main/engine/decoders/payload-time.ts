/**
 * Device time fields of JSON payloads from the field: epoch milliseconds, epoch seconds
 * (Shelly's `"ts": 1631186545.04`), or ISO 8601 text (z2m's `last_seen`, Tasmota's
 * `Time`). The usable range is device-time.ts's.
 */
import { isUsableDeviceTime } from './device-time';
import { parseDecimal } from './text-values';

/**
 * `ts`: the device's time in ms. `zoneless`: ISO 8601 without an offset, e.g. Tasmota's
 * local `"Time":"2024-01-01T12:00:00"`: the device's zone is not in the message, and a
 * guess would shift its readings by hours, so the caller takes the arrival time.
 */
export type PayloadTime = { ts: number } | { zoneless: true } | { error: string };

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

export function parsePayloadTime(raw: unknown): PayloadTime {
  if (typeof raw === 'number') return fromEpoch(raw);
  if (typeof raw === 'string') {
    const text = raw.trim();
    if (/^\d{9,13}(?:\.\d+)?$/.test(text)) return fromEpoch(parseDecimal(text) ?? Number.NaN, raw);
    const m = ISO_8601.exec(text);
    if (m) {
      const [, y, mo, d, h, mi, s = '00', frac = '', zone] = m;
      if (zone === undefined) return { zoneless: true };
      const ms = frac.padEnd(3, '0').slice(0, 3);
      const offset = zone === 'Z' || zone === 'z' ? 'Z' : normalizeOffset(zone);
      const ts = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}${offset}`);
      if (isUsableDeviceTime(ts)) return { ts };
    }
  }
  return { error: `unusable timestamp ${JSON.stringify(raw)?.slice(0, 40)}` };
}

/** Milliseconds when that is a usable device time, else seconds; fractions are rounded to the ms. */
function fromEpoch(n: number, shown: unknown = n): PayloadTime {
  // seconds since 2000 are far below the smallest usable millisecond value: no ambiguity
  const asMs = Math.round(n);
  if (isUsableDeviceTime(asMs)) return { ts: asMs };
  const ms = Math.round(n * 1000);
  if (isUsableDeviceTime(ms)) return { ts: ms };
  return { error: `unusable timestamp ${JSON.stringify(shown)?.slice(0, 40)}` };
}

/** `+01`, `+0100` or `+01:00` → `+01:00`, the one form Date.parse takes everywhere. */
function normalizeOffset(zone: string): string {
  const digits = zone.slice(1).replace(':', '');
  return `${zone[0]}${digits.slice(0, 2)}:${digits.slice(2, 4) || '00'}`;
}
