/**
 * Decodes one JSON telemetry line, the format most hobby and many industrial devices
 * print on a serial port:
 *
 *   {"dev":"th-101","seq":42,"ts":1764000000000,"temperature":4.1,"humidity":81.2}
 *
 * `dev` (or `id`), `seq` and `ts` are the envelope; every other top-level key is a
 * metric. A value that is not a number ("NaN", null, "err") becomes a null-quality
 * reading rather than vanishing, so a failing sensor is visible.
 */
import type { Reading } from '../../../common/reading';
import { isSequenceNumber, isUsableDeviceTime } from './device-time';

export interface LineContext {
  source: string;
  /** device to attribute the line to when it names none (one device per port) */
  defaultDeviceId?: string;
  now: number;
}

export type DecodeResult = { readings: Reading[] } | { error: string };

const ENVELOPE = new Set(['dev', 'id', 'seq', 'ts']);
const MAX_METRICS_PER_LINE = 256;
const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,200}$/;
const METRIC_PATTERN = /^[A-Za-z0-9_.-]{1,200}$/;

export function decodeJsonLine(line: string, ctx: LineContext): DecodeResult {
  const text = line.trim();
  if (text.length === 0) return { readings: [] };
  if (text[0] !== '{') return { error: 'not a JSON object' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { error: `invalid JSON: ${(error as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { error: 'not a JSON object' };
  const record = parsed as Record<string, unknown>;
  const deviceId = record.dev ?? record.id ?? ctx.defaultDeviceId;
  if (typeof deviceId !== 'string' || !ID_PATTERN.test(deviceId)) return { error: 'no valid device id' };
  let ts = ctx.now;
  if (record.ts !== undefined) {
    if (!isUsableDeviceTime(record.ts)) {
      return { error: `unusable timestamp ${JSON.stringify(record.ts)?.slice(0, 40)}` };
    }
    ts = record.ts;
  }
  let seq: number | undefined;
  if (record.seq !== undefined) {
    if (!isSequenceNumber(record.seq)) {
      return { error: 'seq must be a non-negative integer' };
    }
    seq = record.seq;
  }
  const readings: Reading[] = [];
  for (const [metric, raw] of Object.entries(record)) {
    if (ENVELOPE.has(metric)) continue;
    if (!METRIC_PATTERN.test(metric)) continue;
    if (readings.length >= MAX_METRICS_PER_LINE)
      return { error: `more than ${MAX_METRICS_PER_LINE} metrics` };
    const numeric = typeof raw === 'number' && Number.isFinite(raw);
    const reading: Reading = {
      deviceId,
      metric,
      ts,
      value: numeric ? raw : null,
      quality: numeric ? 'good' : 'null',
      source: ctx.source,
      arrivedAt: ctx.now,
    };
    if (seq !== undefined) reading.seq = seq;
    readings.push(reading);
  }
  return { readings };
}
