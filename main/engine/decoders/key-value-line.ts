/**
 * Decodes `key=value` telemetry lines, as printed by many Arduino sketches:
 *
 *   t=21.5 h=40          t:21.5,h:40          dev=th-7; seq=3; t = 21.5
 *
 * Pairs are separated by whitespace, commas or semicolons; key and value by `=` or `:`.
 * `dev`/`id`, `ts` and `seq` are the envelope, as in JSON lines. A value that is not a
 * number becomes a null-quality reading. A line with anything that is not a pair is an
 * error (a boot banner, a stack trace), so it is counted rather than half-read.
 */
import type { DecodeResult, LineContext } from './json-line';
import { buildReadings, type Envelope, MAX_METRICS_PER_LINE, METRIC_PATTERN } from './text-values';

const PAIR = /[\s,;]*([A-Za-z0-9_.-]{1,200})\s*[=:]\s*([^\s,;=]{0,200})[\s,;]*/y;

export function decodeKeyValueLine(line: string, ctx: LineContext): DecodeResult {
  const text = line.trim();
  if (text.length === 0) return { readings: [] };
  const envelope: Envelope = {};
  const metrics: [string, string][] = [];
  const seen = new Set<string>();
  PAIR.lastIndex = 0;
  while (PAIR.lastIndex < text.length) {
    const at = PAIR.lastIndex;
    const match = PAIR.exec(text);
    if (!match || PAIR.lastIndex === at) return { error: `not key=value at column ${at + 1}` };
    const key = match[1]!;
    const value = match[2]!;
    if (seen.has(key)) return { error: `duplicate key ${key}` };
    seen.add(key);
    if (key === 'dev' || key === 'id') {
      if (envelope.dev === undefined || key === 'dev') envelope.dev = value;
    } else if (key === 'ts') envelope.ts = value;
    else if (key === 'seq') envelope.seq = value;
    else if (METRIC_PATTERN.test(key)) {
      if (metrics.length >= MAX_METRICS_PER_LINE)
        return { error: `more than ${MAX_METRICS_PER_LINE} metrics` };
      metrics.push([key, value]);
    }
  }
  if (metrics.length === 0 && envelope.dev === undefined) return { error: 'no key=value pairs' };
  return buildReadings(envelope, metrics, ctx);
}
