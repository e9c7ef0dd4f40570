/**
 * Desired vs reported configuration as rows for a table: every leaf of either object by
 * dotted path, with the engine's configDiff deciding which rows are highlighted (the
 * engine owns what "differs" means; the renderer only lays it out) and each value as
 * short, unambiguous text: a missing key reads differently from an empty string.
 */
import type { ConfigDiff } from '../../common/registry-contract';

export type ConfigRowKind = 'same' | 'changed' | 'not-reported' | 'not-desired';

export interface ConfigRow {
  path: string;
  desired: string;
  reported: string;
  kind: ConfigRowKind;
}

const MAX_TEXT = 120;
const MAX_DEPTH = 8;
const MAX_ROWS = 500;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Leaves by dotted path; arrays and anything deeper than MAX_DEPTH are one leaf. */
export function flattenConfig(value: unknown, prefix = '', depth = 0, into = new Map<string, unknown>()) {
  if (isPlainObject(value) && depth < MAX_DEPTH && Object.keys(value).length > 0) {
    for (const [key, child] of Object.entries(value)) {
      flattenConfig(child, prefix ? `${prefix}.${key}` : key, depth + 1, into);
      if (into.size >= MAX_ROWS) break;
    }
  } else if (prefix !== '') {
    into.set(prefix, value);
  }
  return into;
}

/** A config value as text: strings quoted, missing as "—", long values cut. */
export function formatConfigValue(value: unknown, present = true): string {
  if (!present || value === undefined) return '—';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

function getPath(config: unknown, path: string): { present: boolean; value: unknown } {
  let at: unknown = config;
  for (const key of path.split('.')) {
    if (!isPlainObject(at) || !Object.hasOwn(at, key)) return { present: false, value: undefined };
    at = at[key];
  }
  return { present: true, value: at };
}

export function configRows(
  desired: Record<string, unknown>,
  reported: Record<string, unknown>,
  diff: readonly ConfigDiff[],
): ConfigRow[] {
  const paths = new Set<string>([...flattenConfig(desired).keys(), ...flattenConfig(reported).keys()]);
  const differing = new Set(diff.map((d) => d.path));
  for (const d of diff) paths.add(d.path);
  const rows: ConfigRow[] = [];
  for (const path of [...paths].sort()) {
    const want = getPath(desired, path);
    const have = getPath(reported, path);
    let kind: ConfigRowKind = 'same';
    if (differing.has(path)) {
      kind = !have.present ? 'not-reported' : !want.present ? 'not-desired' : 'changed';
    }
    rows.push({
      path,
      desired: formatConfigValue(want.value, want.present),
      reported: formatConfigValue(have.value, have.present),
      kind,
    });
  }
  // what differs comes first: that is what the reader opened the panel for
  const order: Record<ConfigRowKind, number> = { changed: 0, 'not-reported': 1, 'not-desired': 2, same: 3 };
  return rows.sort((a, b) => order[a.kind] - order[b.kind]);
}

export const CONFIG_ROW_LABELS: Record<ConfigRowKind, string> = {
  same: 'in sync',
  changed: 'differs',
  'not-reported': 'not reported yet',
  'not-desired': 'not desired',
};
