/**
 * The connector form's payload mapping editor holds strings, as its inputs do; this turns
 * them into a subscription's `payload` (checked with the engine's own schema, so the user
 * hears about a bad row before a round trip) and a saved `payload` back into strings.
 */
import { PayloadMappingSchema } from '../../common/payload-mapping';

export interface MappingRow {
  path: string;
  metric: string;
  unit: string;
  /** empty: 1 */
  scale: string;
  /** empty: 0 */
  offset: string;
}

export interface MappingFields {
  rows: MappingRow[];
  /** empty: a top-level ts, time, timestamp, Epoch or Time */
  timeField: string;
  arrivalTime: boolean;
  deviceIdField: string;
  /** also store the fields no row names, as without a mapping */
  keepUnmapped: boolean;
}

export const emptyRow = (): MappingRow => ({ path: '', metric: '', unit: '', scale: '', offset: '' });

export const emptyMapping = (): MappingFields => ({
  rows: [],
  timeField: '',
  arrivalTime: false,
  deviceIdField: '',
  keepUnmapped: false,
});

export function isEmptyMapping(m: MappingFields): boolean {
  return (
    m.rows.every((r) => Object.values(r).every((v) => v.trim() === '')) &&
    m.timeField.trim() === '' &&
    m.deviceIdField.trim() === '' &&
    !m.arrivalTime &&
    !m.keepUnmapped
  );
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/** A saved subscription's `payload` as the editor's fields. */
export function mappingFromConfig(payload: unknown): MappingFields {
  if (!isObject(payload)) return emptyMapping();
  const rows = (Array.isArray(payload.fields) ? payload.fields : []).filter(isObject).map((f) => ({
    path: text(f.path),
    metric: text(f.metric),
    unit: text(f.unit),
    scale: f.scale === undefined || f.scale === 1 ? '' : text(f.scale),
    offset: f.offset === undefined || f.offset === 0 ? '' : text(f.offset),
  }));
  return {
    rows,
    timeField: text(payload.timeField),
    arrivalTime: payload.arrivalTime === true,
    deviceIdField: text(payload.deviceIdField),
    keepUnmapped: payload.unmapped === 'keep',
  };
}

export type MappingBuild =
  | { ok: true; payload: Record<string, unknown> | undefined }
  | { ok: false; error: string };

/** The subscription's `payload`, undefined for an empty editor, or the first problem in plain words. */
export function buildMapping(m: MappingFields): MappingBuild {
  if (isEmptyMapping(m)) return { ok: true, payload: undefined };
  const fields: Record<string, unknown>[] = [];
  /** the editor's row number of each field, for messages */
  const rowOf: number[] = [];
  for (const [i, row] of m.rows.entries()) {
    if (Object.values(row).every((v) => v.trim() === '')) continue; // a row added and left blank
    const where = `row ${i + 1}`;
    if (row.path.trim() === '')
      return { ok: false, error: `${where}: give the field's path, e.g. SI7021.Temperature` };
    if (row.metric.trim() === '')
      return { ok: false, error: `${where}: give the metric name to store it as` };
    const field: Record<string, unknown> = { path: row.path.trim(), metric: row.metric.trim() };
    if (row.unit.trim() !== '') field.unit = row.unit.trim();
    for (const key of ['scale', 'offset'] as const) {
      const raw = row[key].trim();
      if (raw === '') continue;
      const n = Number(raw);
      if (!Number.isFinite(n)) return { ok: false, error: `${where}: ${key} must be a number, not "${raw}"` };
      field[key] = n;
    }
    fields.push(field);
    rowOf.push(i + 1);
  }
  const payload: Record<string, unknown> = { fields };
  if (m.timeField.trim() !== '') payload.timeField = m.timeField.trim();
  if (m.arrivalTime) payload.arrivalTime = true;
  if (m.deviceIdField.trim() !== '') payload.deviceIdField = m.deviceIdField.trim();
  if (m.keepUnmapped) payload.unmapped = 'keep';
  const checked = PayloadMappingSchema.safeParse(payload);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    const [, index, key] = issue.path;
    const where =
      typeof index === 'number' ? `row ${rowOf[index]}${typeof key === 'string' ? ` ${key}` : ''}: ` : '';
    return { ok: false, error: `${where}${issue.message}` };
  }
  return { ok: true, payload };
}
