/**
 * Desired vs reported configuration, as the list of leaf paths where they differ. Arrays
 * are compared whole: a reporting schedule that differs in one slot is one difference,
 * which is how a technician reads it.
 */
import type { ConfigDiff } from '../../../common/registry-contract';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Only paths the desired side names count: a device may report more than we manage. */
export function configDiff(
  desired: Record<string, unknown>,
  reported: Record<string, unknown>,
  prefix = '',
): ConfigDiff[] {
  const out: ConfigDiff[] = [];
  for (const key of Object.keys(desired).sort()) {
    const path = prefix ? `${prefix}.${key}` : key;
    const d = desired[key];
    const r = reported[key];
    if (isPlainObject(d) && isPlainObject(r)) out.push(...configDiff(d, r, path));
    else if (!same(d, r)) out.push({ path, desired: d, reported: r ?? null });
  }
  return out;
}
