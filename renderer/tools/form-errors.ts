/**
 * Puts validation problems beside the fields they belong to. The engine's INVALID_PARAMS
 * error carries every issue with its path in the checked value (common/validation-messages);
 * a form names which path is which of its fields, and whatever matches no field is listed
 * in the form's summary with its path, so nothing is hidden.
 */
import { type FieldIssue, issuesOfError } from '../../common/validation-messages';
import { errorMessage } from './use-poll';

export interface FormErrors<K extends string> {
  /** field key → message in plain words */
  fields: Partial<Record<K, string>>;
  /** problems no field shows: whole-form errors, or paths the form does not know */
  other: string[];
}

export const noErrors = <K extends string>(): FormErrors<K> => ({ fields: {}, other: [] });

export function hasErrors(e: FormErrors<string>): boolean {
  return e.other.length > 0 || Object.keys(e.fields).length > 0;
}

/**
 * `fieldOf` maps an issue path ("port", "scan.serviceUuids.1") to a field key, or null.
 * A field keeps its first message.
 */
export function formErrorsFromIssues<K extends string>(
  issues: readonly FieldIssue[],
  fieldOf: (path: string) => K | null,
): FormErrors<K> {
  const out = noErrors<K>();
  for (const issue of issues) {
    const field = fieldOf(issue.path);
    if (field !== null) {
      out.fields[field] ??= issue.message;
    } else {
      out.other.push(issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`);
    }
  }
  return out;
}

/** An RPC error as form errors: its issues when it carries them, else its message. */
export function formErrorsFromError<K extends string>(
  error: unknown,
  fieldOf: (path: string) => K | null,
): FormErrors<K> {
  const issues = issuesOfError(error);
  if (issues.length === 0) return { fields: {}, other: [errorMessage(error)] };
  return formErrorsFromIssues(issues, fieldOf);
}

/**
 * A path mapper from the form's keys and aliases: a path matches an alias when it equals it
 * or continues it ("scan.serviceUuids.1" matches "scan.serviceUuids"); else its first part
 * is tried as a key. `strip` drops a prefix the request adds ("config.").
 */
export function pathMapper<K extends string>(
  keys: readonly K[],
  aliases: Readonly<Record<string, K>> = {},
  strip = '',
): (path: string) => K | null {
  const byLength = Object.keys(aliases).sort((a, b) => b.length - a.length);
  return (raw) => {
    const path = strip && (raw === strip || raw.startsWith(`${strip}.`)) ? raw.slice(strip.length + 1) : raw;
    for (const alias of byLength) {
      if (path === alias || path.startsWith(`${alias}.`)) return aliases[alias]!;
    }
    const first = path.split('.')[0] as K;
    return keys.includes(first) ? first : null;
  };
}

/** "Port: a whole number from 1 to 65535" for each field error, in the form's field order */
export function errorSummary<K extends string>(
  e: FormErrors<K>,
  labels: Readonly<Partial<Record<K, string>>>,
): string[] {
  const lines = (Object.keys(labels) as K[]).flatMap((k) =>
    e.fields[k] ? [`${labels[k]}: ${e.fields[k]}`] : [],
  );
  return [...lines, ...e.other];
}
