/**
 * An audit entry's before/after as a short line a person can scan: only the keys that
 * changed, "name: "Pump 7" → "Pump 8"", instead of two JSON blobs. The full values stay
 * one click away in the view.
 */
import { formatConfigValue } from '../registry/config-diff';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  try {
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return false;
  }
}

export interface ChangeLine {
  key: string | null;
  before: string;
  after: string;
}

export function changeLines(before: unknown, after: unknown, max = 6): ChangeLine[] {
  const absent = (v: unknown) => v === null || v === undefined;
  if ((isPlainObject(before) || absent(before)) && (isPlainObject(after) || absent(after))) {
    const b = isPlainObject(before) ? before : {};
    const a = isPlainObject(after) ? after : {};
    const lines: ChangeLine[] = [];
    for (const key of new Set([...Object.keys(b), ...Object.keys(a)])) {
      if (same(b[key], a[key])) continue;
      lines.push({
        key,
        before: formatConfigValue(b[key], Object.hasOwn(b, key)),
        after: formatConfigValue(a[key], Object.hasOwn(a, key)),
      });
      if (lines.length >= max) break;
    }
    return lines;
  }
  if (same(before, after)) return [];
  return [{ key: null, before: formatConfigValue(before), after: formatConfigValue(after) }];
}

/** The filter form's params for audit.list: blank fields are left out. */
export function auditFilterParams(f: { subject: string; actor: string; action: string }) {
  const params: { subject?: string; actor?: string; action?: string } = {};
  if (f.subject.trim()) params.subject = f.subject.trim();
  if (f.actor.trim()) params.actor = f.actor.trim();
  if (f.action.trim()) params.action = f.action.trim();
  return params;
}
