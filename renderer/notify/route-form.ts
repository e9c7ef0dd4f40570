/**
 * The route editor's fields as the user types them (durations as an amount and a unit,
 * label matchers as rows, escalation stages as rows) and the route the engine is sent,
 * checked with the contract's RouteSchema so every problem is named beside its field.
 */

import { type Policy, RouteSchema } from '../../common/notify-contract';
import { fieldIssues } from '../../common/validation-messages';

export type Route = Policy['routes'][number];
export type Severity = Route['minSeverity'];
export type MatcherOp = Route['matchers'][number]['op'];
export type Unit = 's' | 'min' | 'h';

export const UNITS: readonly { unit: Unit; label: string; ms: number }[] = [
  { unit: 's', label: 'seconds', ms: 1000 },
  { unit: 'min', label: 'minutes', ms: 60_000 },
  { unit: 'h', label: 'hours', ms: 3_600_000 },
];
export const SEVERITY_OPTIONS: readonly Severity[] = ['info', 'warning', 'high', 'critical'];
export const MATCHER_OPS: readonly { op: MatcherOp; label: string }[] = [
  { op: '=', label: '= is' },
  { op: '!=', label: '!= is not' },
  { op: '=~', label: '=~ matches pattern' },
];

export interface DurationField {
  amount: string;
  unit: Unit;
}

export interface StageFields {
  channels: string[];
  ackTimeout: DurationField;
}

export interface RouteFields {
  name: string;
  matchers: { label: string; op: MatcherOp; value: string }[];
  channels: string[];
  /** comma-separated label names */
  groupBy: string;
  groupWait: DurationField;
  groupInterval: DurationField;
  repeatInterval: DurationField;
  minSeverity: Severity;
  continue: boolean;
  escalate: boolean;
  stages: StageFields[];
  repeats: string;
}

/** the largest unit that states `ms` exactly */
export function durationOf(ms: number): DurationField {
  const unit = [...UNITS].reverse().find((u) => ms !== 0 && ms % u.ms === 0) ?? UNITS[0]!;
  return { amount: String(ms / unit.ms), unit: unit.unit };
}

function msOf(d: DurationField): number {
  const amount = d.amount.trim() === '' ? Number.NaN : Number(d.amount);
  return amount * (UNITS.find((u) => u.unit === d.unit)?.ms ?? 1000);
}

export const emptyStage = (): StageFields => ({ channels: [], ackTimeout: { amount: '15', unit: 'min' } });

export function emptyRoute(): RouteFields {
  return routeFieldsOf(RouteSchema.parse({ name: 'route' }), '');
}

export function routeFieldsOf(r: Route, name = r.name): RouteFields {
  return {
    name,
    matchers: r.matchers.map((m) => ({ ...m })),
    channels: [...r.channels],
    groupBy: r.groupBy.join(', '),
    groupWait: durationOf(r.groupWaitMs),
    groupInterval: durationOf(r.groupIntervalMs),
    repeatInterval: durationOf(r.repeatIntervalMs),
    minSeverity: r.minSeverity,
    continue: r.continue,
    escalate: !!r.escalation,
    stages: r.escalation?.stages.map((s) => ({
      channels: [...s.channels],
      ackTimeout: durationOf(s.ackTimeoutMs),
    })) ?? [emptyStage()],
    repeats: String(r.escalation?.repeats ?? 0),
  };
}

/** field key ("name", "matchers.0.value", "stages.1.ackTimeout") → message in plain words */
export type RouteErrors = Record<string, string>;

const DURATION_RANGE = 'from 0 seconds to 30 days, in whole seconds';
const ACK_RANGE = 'from 1 minute to 30 days, in whole seconds';

/** the route to save, or the problems to show beside the fields */
export function checkRoute(
  f: RouteFields,
  otherNames: readonly string[],
): { route: Route; errors: null } | { route: null; errors: RouteErrors } {
  const input = {
    name: f.name.trim(),
    matchers: f.matchers.map((m) => ({ label: m.label.trim(), op: m.op, value: m.value })),
    channels: f.channels,
    escalation: f.escalate
      ? {
          stages: f.stages.map((s) => ({ channels: s.channels, ackTimeoutMs: msOf(s.ackTimeout) })),
          repeats: f.repeats.trim() === '' ? Number.NaN : Number(f.repeats),
        }
      : undefined,
    groupBy: f.groupBy
      .split(',')
      .map((l) => l.trim())
      .filter(Boolean),
    groupWaitMs: msOf(f.groupWait),
    groupIntervalMs: msOf(f.groupInterval),
    repeatIntervalMs: msOf(f.repeatInterval),
    minSeverity: f.minSeverity,
    continue: f.continue,
  };
  const errors: RouteErrors = {};
  const parsed = RouteSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of fieldIssues(parsed.error, RouteSchema)) {
      const key = fieldOf(issue.path);
      errors[key] ??= messageFor(key, issue.message);
    }
  }
  if (input.name && otherNames.includes(input.name)) errors.name ??= 'another route has this name';
  f.matchers.forEach((m, i) => {
    if (m.op !== '=~') return;
    try {
      new RegExp(`^(?:${m.value})$`, 'u');
    } catch {
      errors[`matchers.${i}.value`] ??= 'not a valid pattern';
    }
  });
  if (!f.escalate && f.channels.length === 0) {
    errors.channels ??= 'pick at least one channel, or add an escalation';
  }
  if (parsed.success && Object.keys(errors).length === 0) return { route: parsed.data, errors: null };
  return { route: null, errors };
}

/** a schema path ("escalation.stages.0.ackTimeoutMs") as the editor's field key */
function fieldOf(path: string): string {
  const p = path
    .replace(/^escalation\.stages\.(\d+)\.ackTimeoutMs$/, 'stages.$1.ackTimeout')
    .replace(/^escalation\.stages\.(\d+)\.channels(\.\d+)?$/, 'stages.$1.channels')
    .replace(/^escalation\.repeats$/, 'repeats')
    .replace(/^escalation\.stages$/, 'stages')
    .replace(/^(groupWait|groupInterval|repeatInterval)Ms$/, '$1')
    .replace(/^(channels|groupBy)\.\d+$/, '$1');
  return p === '' ? 'form' : p;
}

function messageFor(key: string, message: string): string {
  if (/ackTimeout$/.test(key)) return ACK_RANGE;
  if (key === 'groupWait' || key === 'groupInterval' || key === 'repeatInterval') return DURATION_RANGE;
  if (key === 'stages') return 'from 1 to 5 stages';
  if (/^stages\.\d+\.channels$/.test(key) && message === 'at least one item')
    return 'pick at least one channel';
  return message;
}
