/**
 * A fast path for JSON lines. decodeJsonLine spends most of its time after JSON.parse:
 * Object.entries allocates a pair per key and every device id and metric name goes
 * through a regular expression on every line. Here the object is walked in place and
 * the names, which repeat on every line of a port, are validated once and cached.
 *
 * Anything unusual (parse error, not an object, bad ts/seq, too many metrics) returns
 * undefined and decodeJsonLineFast falls back to decodeJsonLine, so the result is always
 * exactly what decodeJsonLine gives (a property test checks this).
 */
import type { Reading } from '../../../common/reading';
import { isSequenceNumber, isUsableDeviceTime } from './device-time';
import { type DecodeResult, decodeJsonLine, type LineContext } from './json-line';
import { MAX_METRICS_PER_LINE, METRIC_PATTERN, NameCache, validDeviceIds } from './text-values';

const metricNames = new NameCache(METRIC_PATTERN);

/** Decodes a JSON line, taking the fast path when it can. */
export function decodeJsonLineFast(line: string, ctx: LineContext): DecodeResult {
  return decodeFlatJson(line, ctx) ?? decodeJsonLine(line, ctx);
}

/** undefined: not a case this fast path handles; use decodeJsonLine. */
export function decodeFlatJson(line: string, ctx: LineContext): DecodeResult | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const record = parsed as Record<string, unknown>;
  const deviceId = record.dev ?? record.id ?? ctx.defaultDeviceId;
  if (typeof deviceId !== 'string' || !validDeviceIds.test(deviceId)) return { error: 'no valid device id' };
  let ts = ctx.now;
  const rawTs = record.ts;
  if (rawTs !== undefined) {
    if (!isUsableDeviceTime(rawTs)) return undefined;
    ts = rawTs;
  }
  let seq: number | undefined;
  const rawSeq = record.seq;
  if (rawSeq !== undefined) {
    if (!isSequenceNumber(rawSeq)) return undefined;
    seq = rawSeq;
  }
  const readings: Reading[] = [];
  for (const metric of Object.keys(record)) {
    if (metric === 'dev' || metric === 'id' || metric === 'ts' || metric === 'seq') continue;
    if (!metricNames.test(metric)) continue;
    if (readings.length >= MAX_METRICS_PER_LINE) return undefined;
    const raw = record[metric];
    const numeric = typeof raw === 'number' && Number.isFinite(raw);
    const reading: Reading = {
      deviceId,
      metric,
      ts,
      value: numeric ? (raw as number) : null,
      quality: numeric ? 'good' : 'null',
      source: ctx.source,
      arrivedAt: ctx.now,
    };
    if (seq !== undefined) reading.seq = seq;
    readings.push(reading);
  }
  return { readings };
}
