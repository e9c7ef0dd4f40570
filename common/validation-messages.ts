/**
 * Turns a zod validation error into one plain-words message per field, with the allowed
 * range read from the schema ("a whole number from 1 to 65535", "at most 200 characters"),
 * instead of the library's wording and only its first issue. The engine sends these as the
 * INVALID_PARAMS error's details; forms show each beside its field.
 */
import type { z } from 'zod';

/** One field's problem: `path` is the dotted path in the checked value ("scan.serviceUuids.0") */
export interface FieldIssue {
  path: string;
  message: string;
}

type Issue = z.core.$ZodIssue;
type Schema = z.core.$ZodType;

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'catch', 'readonly', 'nonoptional']);
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

/** The schema of the value at `path` inside `schema`, through optional/default wrappers. */
export function schemaAt(schema: Schema | undefined, path: readonly PropertyKey[]): Schema | undefined {
  let s = unwrap(schema);
  for (const key of path) {
    if (!s) return undefined;
    const def = s._zod.def as unknown as Record<string, unknown>;
    if (def.type === 'object') s = unwrap((def.shape as Record<string, Schema>)[String(key)]);
    else if (def.type === 'array') s = unwrap(def.element as Schema);
    else if (def.type === 'record') s = unwrap(def.valueType as Schema);
    else return undefined;
  }
  return s;
}

function unwrap(schema: Schema | undefined): Schema | undefined {
  let s = schema;
  for (let i = 0; s && i < 10; i++) {
    const def = s._zod.def as unknown as Record<string, unknown>;
    if (WRAPPERS.has(def.type as string)) s = def.innerType as Schema;
    else if (def.type === 'pipe') s = def.in as Schema;
    else break;
  }
  return s;
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(12)));
}

/** "a whole number from 1 to 65535", "a number of at least 0", or null when the schema is not a number */
function numberRange(schema: Schema | undefined): string | null {
  const s = schema as unknown as
    | { _zod: { def: { type: string } }; minValue?: number | null; maxValue?: number | null; isInt?: boolean }
    | undefined;
  if (s?._zod.def.type !== 'number') return null;
  const kind = s.isInt ? 'a whole number' : 'a number';
  const min =
    s.minValue !== null && s.minValue !== undefined && Math.abs(s.minValue) < UNBOUNDED ? s.minValue : null;
  const max =
    s.maxValue !== null && s.maxValue !== undefined && Math.abs(s.maxValue) < UNBOUNDED ? s.maxValue : null;
  if (min !== null && max !== null) return `${kind} from ${fmt(min)} to ${fmt(max)}`;
  if (min !== null) return `${kind} of at least ${fmt(min)}`;
  if (max !== null) return `${kind} of at most ${fmt(max)}`;
  return kind;
}

/** "1 to 200 characters", "at most 200 characters", or null when the schema is not a string */
function lengthRange(schema: Schema | undefined): string | null {
  const s = schema as unknown as
    | { _zod: { def: { type: string } }; minLength?: number | null; maxLength?: number | null }
    | undefined;
  if (s?._zod.def.type !== 'string') return null;
  const min = s.minLength ?? 0;
  const max = s.maxLength ?? null;
  if (max !== null && min > 1) return `${min} to ${max} characters`;
  if (max !== null) return `at most ${max} characters`;
  if (min > 1) return `at least ${min} characters`;
  return null;
}

function characters(n: number): string {
  return `${n} character${n === 1 ? '' : 's'}`;
}

function items(n: number): string {
  return `${n} item${n === 1 ? '' : 's'}`;
}

function quoteAll(values: readonly unknown[]): string {
  const shown = values.map((v) => (typeof v === 'string' ? `"${v}"` : String(v)));
  return shown.length <= 1 ? (shown[0] ?? 'nothing') : `${shown.slice(0, -1).join(', ')} or ${shown.at(-1)}`;
}

/** zod's own wording starts like this; anything else is a message the schema's author wrote */
const LIBRARY_WORDING = /^(Invalid|Too (big|small)|Unrecognized key|Expected)/;

const FORMAT_WORDS: Record<string, string> = {
  url: 'a URL',
  email: 'an email address',
  uuid: 'a UUID',
  ipv4: 'an IPv4 address',
  ipv6: 'an IPv6 address',
  datetime: 'a date and time (ISO 8601)',
  regex: 'in the accepted form',
};

/** The plain-words message for one issue; `schema` is the whole checked schema, for ranges. */
export function plainMessage(issue: Issue, schema?: Schema): string {
  const at = schemaAt(schema, issue.path);
  switch (issue.code) {
    case 'too_big':
    case 'too_small': {
      const limit = Number(issue.code === 'too_big' ? issue.maximum : issue.minimum);
      if (issue.origin === 'string') {
        if (issue.code === 'too_small' && limit <= 1) return 'required';
        return lengthRange(at) ?? `${issue.code === 'too_big' ? 'at most' : 'at least'} ${characters(limit)}`;
      }
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') {
        return numberRange(at) ?? `${issue.code === 'too_big' ? 'at most' : 'at least'} ${fmt(limit)}`;
      }
      if (issue.origin === 'array' || issue.origin === 'set') {
        if (issue.code === 'too_small' && limit <= 1) return 'at least one item';
        return `${issue.code === 'too_big' ? 'at most' : 'at least'} ${items(limit)}`;
      }
      return `${issue.code === 'too_big' ? 'at most' : 'at least'} ${fmt(limit)}`;
    }
    case 'invalid_type': {
      if (/received undefined$/.test(issue.message)) return 'required';
      const range = numberRange(at);
      if (range) return range;
      if (issue.expected === 'string') return lengthRange(at) ? `text of ${lengthRange(at)}` : 'text';
      if (issue.expected === 'boolean') return 'yes or no';
      if (issue.expected === 'array') return 'a list';
      if (issue.expected === 'object') return 'a group of settings';
      return `a value of type ${issue.expected}`;
    }
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${quoteAll(issue.values)}`
        : `one of ${quoteAll(issue.values)}`;
    case 'invalid_union': {
      // a union of literals (data bits 5 | 6 | 7 | 8) reads as "one of ..."
      const values = issue.errors.flatMap((branch) =>
        branch.length === 1 && branch[0]!.code === 'invalid_value' ? branch[0]!.values : [undefined],
      );
      if (values.length > 0 && !values.includes(undefined)) return `one of ${quoteAll(values)}`;
      return 'not a valid value';
    }
    case 'invalid_format':
      if (!LIBRARY_WORDING.test(issue.message)) return issue.message;
      return `must be ${FORMAT_WORDS[issue.format] ?? `a valid ${issue.format}`}`;
    case 'not_multiple_of':
      return `a multiple of ${fmt(Number(issue.divisor))}`;
    case 'unrecognized_keys':
      return `unknown setting${issue.keys.length === 1 ? '' : 's'} ${quoteAll(issue.keys)}`;
    default:
      return LIBRARY_WORDING.test(issue.message) ? 'not a valid value' : issue.message;
  }
}

/** Every issue of a zod error, one per path (the first wins), in plain words. */
export function fieldIssues(error: z.ZodError, schema?: Schema): FieldIssue[] {
  const out: FieldIssue[] = [];
  const seen = new Set<string>();
  for (const issue of error.issues) {
    const path = issue.path.map(String).join('.');
    if (seen.has(path)) continue;
    seen.add(path);
    out.push({ path, message: plainMessage(issue, schema) });
  }
  return out;
}

/** "baudRate: a whole number from 50 to 20000000; label: at most 200 characters" */
export function issuesText(issues: readonly FieldIssue[]): string {
  return issues.map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`)).join('; ');
}

/** The issues an RPC error carries in its details, when it carries them (INVALID_PARAMS). */
export function issuesOfError(error: unknown): FieldIssue[] {
  const details = (error as { details?: unknown } | null)?.details;
  if (!Array.isArray(details)) return [];
  return details.filter(
    (d): d is FieldIssue =>
      typeof d === 'object' && d !== null && typeof d.path === 'string' && typeof d.message === 'string',
  );
}
