/**
 * The profile editor's fields (text, as typed) to and from a profile definition in the
 * resources/profiles/*.json format. Only what the person filled in goes into the
 * definition, so a profile that leaves a default out keeps leaving it out and an export
 * gives back the file that was imported. Checks here give an answer per field while
 * typing; the engine checks again with the real schema and its answer is mapped onto the
 * same fields (issueKey).
 */

import { GATT_FIELD_SIZES } from '../../common/gatt-field-types';

export interface MetricRow {
  /** React key: stays with the row while its name is edited */
  key: string;
  name: string;
  label: string;
  unit: string;
  min: string;
  max: string;
  maxRatePerSec: string;
  expectedIntervalMs: string;
  stuckAfterSamples: string;
}

export interface MappingRow {
  key: string;
  service: string;
  characteristic: string;
  metric: string;
  type: string;
  /** '' leaves the byte order to the default (little) */
  endian: '' | 'little' | 'big';
  byteOffset: string;
  length: string;
  scale: string;
  offset: string;
  notAvailable: string;
  /** the definition repeated the metric's unit here: it is kept, and follows the metric's */
  statesUnit: boolean;
}

export interface ProfileForm {
  id: string;
  name: string;
  metrics: MetricRow[];
  mappings: MappingRow[];
  firmware: FirmwareFields;
}

/**
 * The model's hardware for firmware target compatibility: MCUboot's image class (and vendor)
 * UUID that imgtool --cid/--vid write, or the ESP32 chip and ESP-IDF project name.
 */
export interface FirmwareFields {
  kind: '' | 'mcuboot' | 'espIdf';
  classId: string;
  vendorId: string;
  chip: string;
  project: string;
}

const NO_FIRMWARE: FirmwareFields = { kind: '', classId: '', vendorId: '', chip: '', project: '' };
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

function firmwareFrom(raw: unknown): FirmwareFields {
  const f = record(raw);
  const mcuboot = record(f.mcuboot);
  const esp = record(f.espIdf);
  if (f.mcuboot !== undefined)
    return {
      ...NO_FIRMWARE,
      kind: 'mcuboot',
      classId: text(mcuboot.classId),
      vendorId: text(mcuboot.vendorId),
    };
  if (f.espIdf !== undefined)
    return { ...NO_FIRMWARE, kind: 'espIdf', chip: text(esp.chip), project: text(esp.project) };
  return NO_FIRMWARE;
}

function firmwareDefinition(f: FirmwareFields, errors: FormErrors): Record<string, unknown> | undefined {
  if (f.kind === 'mcuboot') {
    const classId = f.classId.trim();
    const vendorId = f.vendorId.trim();
    if (!UUID.test(classId)) errors['firmware.classId'] = 'a UUID like b09a6f29-c731-5c02-8f19-15fa59388995';
    if (vendorId !== '' && !UUID.test(vendorId)) errors['firmware.vendorId'] = 'a UUID, or empty';
    return { mcuboot: vendorId === '' ? { classId } : { classId, vendorId } };
  }
  if (f.kind === 'espIdf') {
    const chip = f.chip.trim().toUpperCase();
    const project = f.project.trim();
    if (!/^ESP32(-[A-Z0-9]+)?$/.test(chip)) errors['firmware.chip'] = 'an ESP32 chip name such as ESP32-C3';
    if (project === '' || project.length > 31)
      errors['firmware.project'] = 'the ESP-IDF project name, 1 to 31 characters';
    return { espIdf: { chip, project } };
  }
  return undefined;
}

/** Errors by field: "id", "name", "metric.<row>.<field>", "mapping.<row>.<field>", or "form". */
export type FormErrors = Record<string, string>;

let nextKey = 0;
const newKey = () => `row-${++nextKey}`;

export function emptyMetric(): MetricRow {
  return {
    key: newKey(),
    name: '',
    label: '',
    unit: '',
    min: '',
    max: '',
    maxRatePerSec: '',
    expectedIntervalMs: '',
    stuckAfterSamples: '',
  };
}

export function emptyMapping(metric = ''): MappingRow {
  return {
    key: newKey(),
    service: '',
    characteristic: '',
    metric,
    type: 'int16',
    endian: '',
    byteOffset: '',
    length: '',
    scale: '',
    offset: '',
    notAvailable: '',
    statesUnit: false,
  };
}

export function emptyForm(): ProfileForm {
  return { id: '', name: '', metrics: [emptyMetric()], mappings: [], firmware: NO_FIRMWARE };
}

const text = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
const record = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

export function formFromDefinition(definition: Record<string, unknown>): ProfileForm {
  const metrics = Object.entries(record(definition.metrics)).map(([name, raw]) => {
    const m = record(raw);
    return {
      key: newKey(),
      name,
      label: text(m.label),
      unit: text(m.unit),
      min: text(m.min),
      max: text(m.max),
      maxRatePerSec: text(m.maxRatePerSec),
      expectedIntervalMs: text(m.expectedIntervalMs),
      stuckAfterSamples: text(m.stuckAfterSamples),
    };
  });
  const characteristics = record(definition.ble).characteristics;
  const mappings = (Array.isArray(characteristics) ? characteristics : []).map((raw) => {
    const c = record(raw);
    return {
      key: newKey(),
      service: text(c.service),
      characteristic: text(c.characteristic),
      metric: text(c.metric),
      type: text(c.type),
      endian: c.endian === 'big' || c.endian === 'little' ? c.endian : '',
      byteOffset: text(c.byteOffset),
      length: text(c.length),
      scale: text(c.scale),
      offset: text(c.offset),
      notAvailable: text(c.notAvailable),
      statesUnit: c.unit !== undefined,
    } satisfies MappingRow;
  });
  return {
    id: text(definition.id),
    name: text(definition.name),
    metrics,
    mappings,
    firmware: firmwareFrom(definition.firmware),
  };
}

/**
 * 16-bit ("2A6E", "0x2a6e"), 32-bit, or 128-bit ("7e1a0001-5f3c-4b8e-9a61-2f0c3d4e5a01",
 * dashes optional) UUID forms, as Bluetooth Core Vol 3 Part B §2.5.1 writes them.
 */
export function uuidProblem(value: string): string | null {
  const v = value.trim();
  if (v === '') return 'required';
  const bare = v.replace(/^0x/i, '');
  if (/^[0-9a-f]{4}$|^[0-9a-f]{8}$|^[0-9a-f]{32}$/i.test(bare)) return null;
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v)) return null;
  return 'a 16-bit UUID like 2A6E or a 128-bit one like 7e1a0001-5f3c-4b8e-9a61-2f0c3d4e5a01';
}

type NumberRule = { integer?: boolean; min?: number; max?: number; above?: number; nonZero?: boolean };

/** undefined: left empty; a string: what is wrong; a number: the value. */
function numberField(value: string, rule: NumberRule = {}): number | string | undefined {
  const t = value.trim();
  if (t === '') return undefined;
  const n = Number(t);
  if (!Number.isFinite(n)) return 'a number';
  if (rule.integer && !Number.isInteger(n)) return 'a whole number';
  if (rule.min !== undefined && n < rule.min) return `at least ${rule.min}`;
  if (rule.max !== undefined && n > rule.max) return `at most ${rule.max}`;
  if (rule.above !== undefined && n <= rule.above) return `more than ${rule.above}`;
  if (rule.nonZero && n === 0) return 'not 0';
  return n;
}

const METRIC_NAME = /^[a-zA-Z0-9_.-]+$/;
const FIELD_SIZES: Record<string, number> = GATT_FIELD_SIZES;

export function definitionFromForm(
  form: ProfileForm,
): { ok: true; definition: Record<string, unknown> } | { ok: false; errors: FormErrors } {
  const errors: FormErrors = {};
  const id = form.id.trim();
  if (id === '') errors.id = 'required';
  else if (!/^[a-z0-9][a-z0-9-]*$/.test(id))
    errors.id = 'lower-case letters, digits and dashes, e.g. tank-gauge';
  const name = form.name.trim();
  if (name === '') errors.name = 'required';

  const metrics: Record<string, Record<string, unknown>> = {};
  const units = new Map<string, string>();
  form.metrics.forEach((row, i) => {
    const at = (field: string, message: string) => {
      errors[`metric.${i}.${field}`] ??= message;
    };
    const metricName = row.name.trim();
    if (metricName === '') at('name', 'required');
    else if (!METRIC_NAME.test(metricName)) at('name', 'letters, digits, _ . and - only');
    else if (units.has(metricName)) at('name', `"${metricName}" is listed twice`);
    const m: Record<string, unknown> = { unit: row.unit.trim() };
    if (row.label.trim() !== '') m.label = row.label.trim();
    const fields: [keyof MetricRow, NumberRule, boolean][] = [
      ['min', {}, true],
      ['max', {}, true],
      ['maxRatePerSec', { above: 0 }, false],
      ['expectedIntervalMs', { integer: true, min: 1 }, false],
      ['stuckAfterSamples', { integer: true, min: 2 }, false],
    ];
    for (const [field, rule, required] of fields) {
      const v = numberField(row[field], rule);
      if (typeof v === 'string') at(field, v);
      else if (v === undefined) {
        if (required) at(field, 'required');
      } else m[field] = v;
    }
    if (typeof m.min === 'number' && typeof m.max === 'number' && m.min >= m.max)
      at('max', 'must be above min');
    if (metricName !== '' && !units.has(metricName)) {
      units.set(metricName, row.unit.trim());
      metrics[metricName] = m;
    }
  });

  const characteristics = form.mappings.map((row, i) => {
    const at = (field: string, message: string) => {
      errors[`mapping.${i}.${field}`] ??= message;
    };
    const c: Record<string, unknown> = {};
    if (row.service.trim() !== '') {
      const problem = uuidProblem(row.service);
      if (problem) at('service', problem);
      c.service = row.service.trim();
    }
    const charProblem = uuidProblem(row.characteristic);
    if (charProblem) at('characteristic', charProblem);
    c.characteristic = row.characteristic.trim();
    if (!units.has(row.metric)) at('metric', 'pick one of the metrics above');
    c.metric = row.metric;
    if (!FIELD_SIZES[row.type]) at('type', 'pick a type');
    c.type = row.type;
    if (row.endian !== '') c.endian = row.endian;
    const numbers: [keyof MappingRow, NumberRule][] = [
      ['byteOffset', { integer: true, min: 0, max: 508 }],
      ['length', { integer: true, min: 1, max: 512 }],
      ['scale', { nonZero: true }],
      ['offset', {}],
      ['notAvailable', {}],
    ];
    for (const [field, rule] of numbers) {
      const v = numberField(String(row[field]), rule);
      if (typeof v === 'string') at(field, v);
      else if (v !== undefined) c[field] = v;
    }
    const size = FIELD_SIZES[row.type] ?? 0;
    if (typeof c.length === 'number' && c.length < ((c.byteOffset as number | undefined) ?? 0) + size) {
      at('length', `too short for a ${row.type} at byte ${(c.byteOffset as number | undefined) ?? 0}`);
    }
    if (row.statesUnit && units.has(row.metric)) c.unit = units.get(row.metric);
    return c;
  });

  const firmware = firmwareDefinition(form.firmware, errors);
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const definition: Record<string, unknown> = { id, name, metrics };
  if (characteristics.length > 0) definition.ble = { characteristics };
  if (firmware) definition.firmware = firmware;
  return { ok: true, definition };
}

/**
 * Where an engine issue (path from the profile's root, as in ProfileIssue) belongs in the
 * form: metrics are keyed by name there and by row here.
 */
export function issueKey(form: ProfileForm, path: string): string {
  const parts = path.split('.');
  if (parts[0] === 'id' || parts[0] === 'name') return parts[0];
  if (parts[0] === 'metrics' && parts.length >= 2) {
    // a metric name may itself hold dots: match the longest name the path starts with
    const rest = parts.slice(1).join('.');
    const row = form.metrics
      .map((m, i) => ({ i, name: m.name.trim() }))
      .filter((m) => rest === m.name || rest.startsWith(`${m.name}.`))
      .sort((a, b) => b.name.length - a.name.length)[0];
    if (row) {
      const field = rest.slice(row.name.length + 1);
      // the whole metric's check (min above max) reads best under max
      return `metric.${row.i}.${field === '' ? 'max' : field}`;
    }
  }
  if (parts[0] === 'firmware' && parts[2] !== undefined) return `firmware.${parts[2]}`;
  if (parts[0] === 'ble' && parts[1] === 'characteristics' && parts[2] !== undefined) {
    return `mapping.${parts[2]}.${parts[3] ?? 'characteristic'}`;
  }
  return 'form';
}

export function errorsFromIssues(
  form: ProfileForm,
  issues: readonly { path: string; message: string }[],
): FormErrors {
  const errors: FormErrors = {};
  for (const issue of issues) {
    const key = issueKey(form, issue.path);
    const message = key === 'form' && issue.path ? `${issue.path}: ${issue.message}` : issue.message;
    errors[key] = errors[key] ? `${errors[key]}; ${message}` : message;
  }
  return errors;
}
