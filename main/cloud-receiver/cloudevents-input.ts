/**
 * Checks a CloudEvents 1.0 structured batch from the wire. Everything here is hostile
 * until checked: a malformed batch is refused as a whole with the first problem named.
 */
import { QUALITIES } from '../../common/reading';

export const READINGS_EVENT_TYPE = 'io.fieldline.readings.v1';
const MAX_EVENTS = 100_000;

export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject?: string;
  time?: string;
  data?: unknown;
}

export interface ReadingsData {
  deviceId: string;
  metric: string;
  /** first absolute (ms), then deltas */
  ts: number[];
  values: (number | null)[];
  quality: number[];
}

export class BatchFormatError extends Error {}

export function isReadingsEvent(e: CloudEvent): e is CloudEvent & { data: ReadingsData } {
  return e.type === READINGS_EVENT_TYPE;
}

const nonEmpty = (v: unknown, max = 1000): v is string =>
  typeof v === 'string' && v.length > 0 && v.length <= max;

export function parseBatch(text: string): CloudEvent[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new BatchFormatError(`not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new BatchFormatError('a batch is a JSON array of CloudEvents');
  if (parsed.length > MAX_EVENTS) throw new BatchFormatError(`more than ${MAX_EVENTS} events in one batch`);
  for (const [i, e] of parsed.entries()) checkEvent(e, i);
  return parsed as CloudEvent[];
}

function checkEvent(e: unknown, i: number): void {
  const at = `event ${i}`;
  if (typeof e !== 'object' || e === null || Array.isArray(e))
    throw new BatchFormatError(`${at}: not an object`);
  const ev = e as Record<string, unknown>;
  if (ev.specversion !== '1.0') throw new BatchFormatError(`${at}: specversion must be "1.0"`);
  if (!nonEmpty(ev.id)) throw new BatchFormatError(`${at}: id missing`);
  if (!nonEmpty(ev.source)) throw new BatchFormatError(`${at}: source missing`);
  if (!nonEmpty(ev.type)) throw new BatchFormatError(`${at}: type missing`);
  if (ev.subject !== undefined && typeof ev.subject !== 'string')
    throw new BatchFormatError(`${at}: bad subject`);
  if (ev.time !== undefined && (typeof ev.time !== 'string' || Number.isNaN(Date.parse(ev.time)))) {
    throw new BatchFormatError(`${at}: time is not an RFC 3339 timestamp`);
  }
  if (ev.type === READINGS_EVENT_TYPE) checkReadings(ev.data, at);
}

function checkReadings(data: unknown, at: string): void {
  if (typeof data !== 'object' || data === null) throw new BatchFormatError(`${at}: readings data missing`);
  const d = data as Record<string, unknown>;
  if (!nonEmpty(d.deviceId, 200) || !nonEmpty(d.metric, 200)) {
    throw new BatchFormatError(`${at}: deviceId and metric are required`);
  }
  const { ts, values, quality } = d;
  if (!Array.isArray(ts) || !Array.isArray(values) || !Array.isArray(quality)) {
    throw new BatchFormatError(`${at}: ts, values and quality must be arrays`);
  }
  if (values.length !== ts.length || quality.length !== ts.length) {
    throw new BatchFormatError(`${at}: ts, values and quality differ in length`);
  }
  let t = 0;
  for (let k = 0; k < ts.length; k++) {
    const x = ts[k];
    if (!Number.isSafeInteger(x)) throw new BatchFormatError(`${at}: ts[${k}] is not an integer`);
    t = k === 0 ? (x as number) : t + (x as number);
    if (t < 0 || t > 8.64e15) throw new BatchFormatError(`${at}: ts[${k}] is out of range`);
    const v = values[k];
    if (v !== null && (typeof v !== 'number' || !Number.isFinite(v))) {
      throw new BatchFormatError(`${at}: values[${k}] is not a number or null`);
    }
    const q = quality[k];
    if (!Number.isInteger(q) || (q as number) < 0 || (q as number) >= QUALITIES.length)
      throw new BatchFormatError(`${at}: quality[${k}] is not 0..${QUALITIES.length - 1}`);
  }
}
