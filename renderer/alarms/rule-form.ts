/**
 * The rule editor's fields to and from the contract's Rule. Fields hold what the user
 * typed (text, so "8.5" can be typed through "8."); durations are in seconds on screen and
 * milliseconds in the rule. The form's own checks name the field at fault in the units it
 * shows; the contract's RuleSchema runs last, so the editor never accepts a rule the engine
 * would refuse. Edge actions are not edited here and are carried over unchanged.
 */
import {
  type Action,
  type Condition,
  type Rule,
  type RuleInput,
  RuleSchema,
  type Severity,
} from '../../common/alarm-contract';
import { fieldIssues } from '../../common/validation-messages';
import { type FormErrors, formErrorsFromIssues, noErrors } from '../tools/form-errors';

export type ConditionKind = Condition['kind'];

export const CONDITION_KINDS: readonly { kind: ConditionKind; label: string }[] = [
  { kind: 'threshold', label: 'Threshold' },
  { kind: 'rate', label: 'Rate of change' },
  { kind: 'deviation', label: 'Deviation from a setpoint or series' },
  { kind: 'aggregate', label: 'Windowed aggregate' },
  { kind: 'stale', label: 'No data (stale)' },
  { kind: 'flatline', label: 'Flatline (stuck sensor)' },
  { kind: 'quality', label: 'Bad quality' },
  { kind: 'offline', label: 'Device offline' },
  { kind: 'expression', label: 'Expression (CEL)' },
];

/** the kinds whose severity comes from a ladder of levels */
export const LADDER_KINDS: ReadonlySet<ConditionKind> = new Set([
  'threshold',
  'rate',
  'deviation',
  'aggregate',
]);
/** the kinds that read over a window */
export const WINDOW_KINDS: ReadonlySet<ConditionKind> = new Set(['rate', 'aggregate', 'flatline']);

export const AGGREGATE_FNS = ['avg', 'min', 'max', 'sum', 'count'] as const;

export interface LimitFields {
  /** empty: no limit on this side */
  value: string;
  deadband: string;
  /** deadband in percent of the limit */
  percent: boolean;
}

export interface LevelFields {
  severity: Severity;
  above: LimitFields;
  below: LimitFields;
}

export interface RuleFields {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  mode: 'live' | 'shadow';
  /** comma or space separated */
  deviceIds: string;
  site: string;
  profile: string;
  tag: string;
  metric: string;
  kind: ConditionKind;
  levels: LevelFields[];
  windowS: string;
  fn: (typeof AGGREGATE_FNS)[number];
  referenceKind: 'setpoint' | 'series';
  setpoint: string;
  referenceDevice: string;
  referenceMetric: string;
  afterS: string;
  tolerance: string;
  severity: Severity;
  expression: string;
  onDelayS: string;
  offDelayS: string;
  confirm: boolean;
  confirmN: string;
  confirmM: string;
  latching: boolean;
  lateToleranceS: string;
  /** one `key=value` per line */
  labels: string;
  actions: Action[];
}

/** `levels.0.above.value`, `levels.1`, or a RuleFields key */
export type RuleFieldKey =
  | keyof RuleFields
  | `levels.${number}`
  | `levels.${number}.${'above' | 'below'}.${keyof LimitFields}`;
export type RuleErrors = FormErrors<RuleFieldKey>;

const noLimit = (): LimitFields => ({ value: '', deadband: '', percent: false });

export function emptyLevel(severity: Severity = 'warning'): LevelFields {
  return { severity, above: noLimit(), below: noLimit() };
}

export function emptyRuleFields(): RuleFields {
  return {
    id: '',
    name: '',
    description: '',
    enabled: true,
    mode: 'live',
    deviceIds: '',
    site: '',
    profile: '',
    tag: '',
    metric: '',
    kind: 'threshold',
    levels: [emptyLevel('high')],
    windowS: '60',
    fn: 'avg',
    referenceKind: 'setpoint',
    setpoint: '',
    referenceDevice: '',
    referenceMetric: '',
    afterS: '300',
    tolerance: '0',
    severity: 'warning',
    expression: '',
    onDelayS: '0',
    offDelayS: '0',
    confirm: false,
    confirmN: '3',
    confirmM: '5',
    latching: false,
    lateToleranceS: '60',
    labels: '',
    actions: [],
  };
}

const text = (n: number | undefined) => (n === undefined ? '' : String(n));
const seconds = (ms: number) => String(ms / 1000);

function limitFields(
  limit: { value: number; deadband: number; deadbandPercent: boolean } | undefined,
): LimitFields {
  if (!limit) return noLimit();
  return { value: String(limit.value), deadband: String(limit.deadband), percent: limit.deadbandPercent };
}

export function fieldsFromRule(rule: Rule): RuleFields {
  const base = emptyRuleFields();
  const c = rule.condition;
  const fields: RuleFields = {
    ...base,
    id: rule.id,
    name: rule.name,
    description: rule.description,
    enabled: rule.enabled,
    mode: rule.mode,
    deviceIds: (rule.target.deviceIds ?? []).join(', '),
    site: rule.target.site ?? '',
    profile: rule.target.profile ?? '',
    tag: rule.target.tag ?? '',
    metric: rule.target.metric ?? '',
    kind: c.kind,
    onDelayS: seconds(rule.onDelayMs),
    offDelayS: seconds(rule.offDelayMs),
    confirm: rule.confirm !== undefined,
    confirmN: text(rule.confirm?.n ?? 3),
    confirmM: text(rule.confirm?.m ?? 5),
    latching: rule.latching,
    lateToleranceS: seconds(rule.lateToleranceMs),
    labels: Object.entries(rule.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
    actions: rule.actions,
  };
  if ('levels' in c) {
    fields.levels = c.levels.map((l) => ({
      severity: l.severity,
      above: limitFields(l.above),
      below: limitFields(l.below),
    }));
  }
  if ('windowMs' in c) fields.windowS = seconds(c.windowMs);
  if ('severity' in c) fields.severity = c.severity;
  if (c.kind === 'aggregate') fields.fn = c.fn;
  if (c.kind === 'stale') fields.afterS = seconds(c.afterMs);
  if (c.kind === 'flatline') fields.tolerance = String(c.tolerance);
  if (c.kind === 'expression') fields.expression = c.expression;
  if (c.kind === 'deviation') {
    if ('setpoint' in c.reference) {
      fields.referenceKind = 'setpoint';
      fields.setpoint = String(c.reference.setpoint);
    } else {
      fields.referenceKind = 'series';
      fields.referenceDevice = c.reference.deviceId;
      fields.referenceMetric = c.reference.metric;
    }
  }
  return fields;
}

/** reads numbers, recording a plain-words error for the field when the text is not one */
class NumberReader {
  readonly errors: Partial<Record<RuleFieldKey, string>> = {};

  number(key: RuleFieldKey, raw: string, optional = false): number | undefined {
    const t = raw.trim();
    if (t === '') {
      if (!optional) this.errors[key] = 'required';
      return undefined;
    }
    const n = Number(t);
    if (!Number.isFinite(n)) {
      this.errors[key] = 'a number';
      return undefined;
    }
    return n;
  }

  /** seconds on screen, whole milliseconds in the rule */
  ms(key: RuleFieldKey, raw: string, minS: number, maxS = 30 * 86_400): number | undefined {
    const n = this.number(key, raw);
    if (n === undefined) return undefined;
    if (n < minS || n > maxS) {
      this.errors[key] = `seconds from ${minS} to ${maxS}`;
      return undefined;
    }
    return Math.round(n * 1000);
  }

  int(key: RuleFieldKey, raw: string, min: number, max: number): number | undefined {
    const n = this.number(key, raw);
    if (n === undefined) return undefined;
    if (!Number.isInteger(n) || n < min || n > max) {
      this.errors[key] = `a whole number from ${min} to ${max}`;
      return undefined;
    }
    return n;
  }
}

function readLimit(r: NumberReader, at: `levels.${number}.${'above' | 'below'}`, f: LimitFields) {
  const value = r.number(`${at}.value`, f.value, true);
  if (value === undefined) return undefined;
  return { value, deadband: r.number(`${at}.deadband`, f.deadband, true) ?? 0, deadbandPercent: f.percent };
}

function readCondition(r: NumberReader, f: RuleFields): Record<string, unknown> {
  const levels = () =>
    f.levels.map((l, i) => ({
      severity: l.severity,
      above: readLimit(r, `levels.${i}.above`, l.above),
      below: readLimit(r, `levels.${i}.below`, l.below),
    }));
  switch (f.kind) {
    case 'threshold':
      return { kind: f.kind, levels: levels() };
    case 'rate':
      return { kind: f.kind, windowMs: r.ms('windowS', f.windowS, 1), levels: levels() };
    case 'aggregate':
      return { kind: f.kind, fn: f.fn, windowMs: r.ms('windowS', f.windowS, 1), levels: levels() };
    case 'deviation':
      return {
        kind: f.kind,
        reference:
          f.referenceKind === 'setpoint'
            ? { setpoint: r.number('setpoint', f.setpoint) }
            : { deviceId: f.referenceDevice.trim(), metric: f.referenceMetric.trim() },
        levels: levels(),
      };
    case 'stale':
      return { kind: f.kind, afterMs: r.ms('afterS', f.afterS, 1), severity: f.severity };
    case 'flatline':
      return {
        kind: f.kind,
        windowMs: r.ms('windowS', f.windowS, 1),
        tolerance: r.number('tolerance', f.tolerance, true) ?? 0,
        severity: f.severity,
      };
    case 'quality':
    case 'offline':
      return { kind: f.kind, severity: f.severity };
    case 'expression':
      return { kind: f.kind, expression: f.expression.trim(), severity: f.severity };
  }
}

function readLabels(raw: string, errors: Partial<Record<RuleFieldKey, string>>): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [i, line] of raw.split('\n').entries()) {
    if (line.trim() === '') continue;
    const eq = line.indexOf('=');
    if (eq <= 0) {
      errors.labels ??= `line ${i + 1}: write name=value`;
      continue;
    }
    labels[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return labels;
}

const optionalText = (s: string) => (s.trim() === '' ? undefined : s.trim());

/** where a RuleSchema issue path shows in the form */
export function fieldOfPath(path: string): RuleFieldKey | null {
  const parts = path.split('.');
  const [head, second, third, fourth, fifth] = parts;
  const direct: Record<string, RuleFieldKey> = {
    id: 'id',
    name: 'name',
    description: 'description',
    onDelayMs: 'onDelayS',
    offDelayMs: 'offDelayS',
    lateToleranceMs: 'lateToleranceS',
    labels: 'labels',
    mode: 'mode',
  };
  if (head && direct[head]) return direct[head];
  if (head === 'target' && second) {
    const target: Record<string, RuleFieldKey> = {
      deviceIds: 'deviceIds',
      site: 'site',
      profile: 'profile',
      tag: 'tag',
      metric: 'metric',
    };
    return target[second] ?? null;
  }
  if (head === 'confirm') return second === 'm' ? 'confirmM' : 'confirmN';
  if (head !== 'condition') return null;
  if (second === 'levels') {
    if (third === undefined || !/^\d+$/.test(third)) return 'levels';
    if ((fourth === 'above' || fourth === 'below') && (fifth === 'value' || fifth === 'deadband')) {
      return `levels.${Number(third)}.${fourth}.${fifth}`;
    }
    return `levels.${Number(third)}`;
  }
  const condition: Record<string, RuleFieldKey> = {
    windowMs: 'windowS',
    afterMs: 'afterS',
    tolerance: 'tolerance',
    severity: 'severity',
    expression: 'expression',
    fn: 'fn',
  };
  if (second && condition[second]) return condition[second];
  if (second === 'reference') {
    if (third === 'deviceId') return 'referenceDevice';
    if (third === 'metric') return 'referenceMetric';
    return 'setpoint';
  }
  return null;
}

/** The rule the fields describe, or the errors beside the fields that stop it. */
export function ruleFromFields(
  f: RuleFields,
): { rule: Rule; errors: null } | { rule: null; errors: RuleErrors } {
  const r = new NumberReader();
  const deviceIds = f.deviceIds.split(/[\s,]+/).filter((d) => d !== '');
  const confirm = f.confirm
    ? { n: r.int('confirmN', f.confirmN, 1, 100), m: r.int('confirmM', f.confirmM, 1, 100) }
    : undefined;
  const input: Record<string, unknown> = {
    id: f.id.trim(),
    name: f.name,
    description: f.description,
    enabled: f.enabled,
    mode: f.mode,
    target: {
      deviceIds: deviceIds.length > 0 ? deviceIds : undefined,
      site: optionalText(f.site),
      profile: optionalText(f.profile),
      tag: optionalText(f.tag),
      metric: f.kind === 'offline' ? undefined : optionalText(f.metric),
    },
    condition: readCondition(r, f),
    onDelayMs: r.ms('onDelayS', f.onDelayS, 0),
    offDelayMs: r.ms('offDelayS', f.offDelayS, 0),
    confirm,
    latching: f.latching,
    lateToleranceMs: r.ms('lateToleranceS', f.lateToleranceS, 0),
    labels: readLabels(f.labels, r.errors),
    actions: f.actions,
  };
  if (f.kind !== 'offline' && !optionalText(f.metric))
    r.errors.metric = 'required: the metric the condition reads';
  const parsed = RuleSchema.safeParse(input satisfies Record<string, unknown> as RuleInput);
  const errors = noErrors<RuleFieldKey>();
  Object.assign(errors.fields, r.errors);
  if (!parsed.success) {
    const schemaErrors = formErrorsFromIssues(fieldIssues(parsed.error, RuleSchema), fieldOfPath);
    // the form's own message (in the units it shows) wins over the schema's for the same field
    for (const [k, v] of Object.entries(schemaErrors.fields)) errors.fields[k as RuleFieldKey] ??= v;
    errors.other.push(...schemaErrors.other);
  }
  if (parsed.success && Object.keys(errors.fields).length === 0) return { rule: parsed.data, errors: null };
  return { rule: null, errors };
}
