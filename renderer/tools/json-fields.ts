/**
 * Reading MQTT payloads as JSON for the topic browser: pretty text, the paths of every
 * numeric field (for the plot's field picker), and one field's value by path. A path is a
 * list of keys and array indexes; an empty path is the bare number itself.
 */

export type JsonPath = readonly (string | number)[];

/** the payload parsed as JSON, or undefined when it is not JSON */
export function parseJson(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function prettyJson(text: string | null): string | null {
  const value = parseJson(text);
  return value === undefined ? null : stringifyPretty(value);
}

/** pretty JSON of a parsed value; null when it nests too deep to print (a hostile payload) */
export function stringifyPretty(value: unknown): string | null {
  try {
    return JSON.stringify(value, null, 2);
  } catch {
    return null;
  }
}

/** "value", "sensors[2].temp"; the bare number reads "(value)" */
export function pathLabel(path: JsonPath): string {
  if (path.length === 0) return '(value)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** every numeric leaf, depth first, at most `limit` of them */
export function numericFields(value: unknown, limit = 200): JsonPath[] {
  const out: JsonPath[] = [];
  const walk = (v: unknown, path: (string | number)[], depth: number) => {
    if (out.length >= limit || depth > 32) return;
    if (typeof v === 'number' && Number.isFinite(v)) out.push(path);
    else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) walk(v[i], [...path, i], depth + 1);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, [...path, k], depth + 1);
    }
  };
  walk(value, [], 0);
  return out;
}

/** the number at `path`, or null when it is absent or not a finite number */
export function numberAt(value: unknown, path: JsonPath): number | null {
  let v: unknown = value;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return null;
    v = (v as Record<string | number, unknown>)[p];
  }
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
