/**
 * Shared rules for the text formats (key=value, CSV): what counts as a number, and the
 * envelope fields (dev/id, ts, seq) every format understands the same way as JSON lines.
 */
import type { Reading } from '../../../common/reading';
import { isSequenceNumber, isUsableDeviceTime } from './device-time';
import type { DecodeResult, LineContext } from './json-line';

export const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,200}$/;
export const METRIC_PATTERN = /^[A-Za-z0-9_.-]{1,200}$/;
export const MAX_METRICS_PER_LINE = 256;
const DECIMAL = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d{1,4})?$/;

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/** The reference definition of parseDecimal (kept for the property test). */
export function parseDecimalSlow(text: string): number | null {
  if (text.length === 0 || text.length > 64 || !DECIMAL.test(text)) return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

/**
 * A finite number, or null for anything else ("NaN", "inf", "err", "", "1e999").
 * Plain decimals with at most 15 digits are converted by hand (an exact integer divided
 * by an exact power of ten is correctly rounded, so this equals Number()); anything else
 * goes through parseDecimalSlow.
 */
export function parseDecimal(text: string): number | null {
  const n = text.length;
  if (n === 0 || n > 15) return parseDecimalSlow(text);
  let i = 0;
  let c = text.charCodeAt(0);
  const negative = c === 45;
  if (negative || c === 43) i++;
  let mantissa = 0;
  let digits = 0;
  let scale = -1;
  for (; i < n; i++) {
    c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      if (scale >= 0) scale++;
    } else if (c === 46 && scale < 0) scale = 0;
    else return parseDecimalSlow(text);
  }
  if (digits === 0) return null;
  const abs = scale > 0 ? mantissa / POW10[scale]! : mantissa;
  return negative ? -abs : abs;
}

/**
 * Names already checked against a pattern: a port repeats the same few device ids and
 * metric names on every line. Bounded: cleared when full, so hostile input cannot grow it.
 */
export class NameCache {
  private readonly known = new Map<string, boolean>();
  constructor(private readonly pattern: RegExp) {}
  test(name: string): boolean {
    const hit = this.known.get(name);
    if (hit !== undefined) return hit;
    const ok = this.pattern.test(name);
    if (this.known.size >= 4096) this.known.clear();
    this.known.set(name, ok);
    return ok;
  }
}
export const validDeviceIds = new NameCache(ID_PATTERN);

export interface Envelope {
  dev?: string;
  ts?: string;
  seq?: string;
}

/** Builds readings from metric/text pairs with the same envelope rules as JSON lines. */
export function buildReadings(
  envelope: Envelope,
  metrics: readonly (readonly [string, string])[],
  ctx: LineContext,
): DecodeResult {
  const deviceId = envelope.dev ?? ctx.defaultDeviceId;
  if (deviceId === undefined || !validDeviceIds.test(deviceId)) return { error: 'no valid device id' };
  let ts = ctx.now;
  if (envelope.ts !== undefined) {
    const parsed = parseDecimal(envelope.ts);
    if (!isUsableDeviceTime(parsed)) return { error: `unusable timestamp ${envelope.ts.slice(0, 40)}` };
    ts = parsed;
  }
  let seq: number | undefined;
  if (envelope.seq !== undefined) {
    const parsed = parseDecimal(envelope.seq);
    if (!isSequenceNumber(parsed)) return { error: 'seq must be a non-negative integer' };
    seq = parsed;
  }
  if (metrics.length > MAX_METRICS_PER_LINE) return { error: `more than ${MAX_METRICS_PER_LINE} metrics` };
  const readings: Reading[] = [];
  for (const [metric, text] of metrics) {
    const value = parseDecimal(text);
    const reading: Reading = {
      deviceId,
      metric,
      ts,
      value,
      quality: value === null ? 'null' : 'good',
      source: ctx.source,
      arrivedAt: ctx.now,
    };
    if (seq !== undefined) reading.seq = seq;
    readings.push(reading);
  }
  return { readings };
}
