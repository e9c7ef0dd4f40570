/**
 * Alarm expressions and derived metrics in CEL (cel-js: parsed into an AST and walked,
 * never eval, vm or new Function). Every expression passes three gates before it runs:
 * the parser's size limits, the cost guard, and cel-js's type checker against the declared
 * variables; at save time the metrics it names are also checked against the device
 * profile. Variables: value, prev (double), ts (int, device ms), device {id, profile, site,
 * tags}, metrics (map of the device's latest values by metric name).
 */
import { Environment } from '@marcbachmann/cel-js';
import { CelRejected, guard } from './cel-guard';
import { MAX_SOURCE_CHARS, MAX_TAGS, PARSER_LIMITS } from './cel-limits';

export type ExpressionResult = 'bool' | 'number';

export interface CelVariables {
  value: number;
  prev: number;
  ts: number;
  device: { id: string; profile: string; site: string; tags: readonly string[] };
  metrics: ReadonlyMap<string, number>;
}

const env = new Environment({ limits: PARSER_LIMITS })
  .registerVariable('value', 'double')
  .registerVariable('prev', 'double')
  .registerVariable('ts', 'int')
  .registerVariable({
    name: 'device',
    schema: { id: 'string', profile: 'string', site: 'string', tags: 'list<string>' },
  })
  .registerVariable('metrics', 'map<string, double>');

export interface CompiledExpression {
  /** the metric names it reads from `metrics` */
  metrics: readonly string[];
  /** worst-case steps, as the guard counted them */
  cost: number;
  /** throws an Error with a plain message (no such key, division by zero, wrong result type) */
  run(vars: CelVariables): boolean | number;
}

/** the first line of a cel-js message: the rest is a caret drawing of the source */
function plain(error: unknown): string {
  return String((error as Error)?.message ?? error)
    .split('\n')[0]!
    .trim();
}

/** compiled programs by result type and source: 10,000 instances of one rule share one */
const compiled = new Map<string, CompiledExpression>();
const MAX_CACHED = 1000;

/** Parses, guards and type-checks; throws CelRejected with a message for people. */
export function compileExpression(source: string, result: ExpressionResult): CompiledExpression {
  const key = `${result}\u0000${source}`;
  const hit = compiled.get(key);
  if (hit) return hit;
  const fresh = compileUncached(source, result);
  if (compiled.size >= MAX_CACHED) compiled.delete(compiled.keys().next().value!);
  compiled.set(key, fresh);
  return fresh;
}

function compileUncached(source: string, result: ExpressionResult): CompiledExpression {
  if (typeof source !== 'string' || source.trim() === '') throw new CelRejected('the expression is empty');
  if (source.length > MAX_SOURCE_CHARS)
    throw new CelRejected(`the expression is longer than ${MAX_SOURCE_CHARS} characters`);
  let program: ReturnType<Environment['parse']>;
  try {
    program = env.parse(source);
  } catch (error) {
    throw new CelRejected(plain(error));
  }
  const { metrics, cost } = guard(program.ast);
  const checked = program.check();
  if (!checked.valid) throw new CelRejected(plain(checked.error));
  const type = checked.type;
  const numeric = type === 'double' || type === 'int' || type === 'uint';
  if (result === 'bool' && type !== 'bool' && type !== 'dyn')
    throw new CelRejected(`the expression must be true or false, not ${type}`);
  if (result === 'number' && !numeric && type !== 'dyn')
    throw new CelRejected(`the expression must give a number, not ${type}`);
  return {
    metrics,
    cost,
    run(vars) {
      let out: unknown;
      try {
        out = program({
          value: vars.value,
          prev: vars.prev,
          ts: BigInt(Math.trunc(vars.ts)),
          device: {
            id: vars.device.id,
            profile: vars.device.profile,
            site: vars.device.site,
            tags: vars.device.tags.slice(0, MAX_TAGS),
          },
          metrics: vars.metrics,
        });
      } catch (error) {
        throw new Error(plain(error));
      }
      if (result === 'bool') {
        if (typeof out !== 'boolean') throw new Error(`gave ${typeof out}, not true or false`);
        return out;
      }
      if (typeof out === 'bigint') return Number(out);
      if (typeof out === 'number') return out;
      if (out !== null && typeof out === 'object' && 'valueOf' in out && typeof out.valueOf() === 'bigint')
        return Number(out.valueOf()); // uint
      throw new Error(`gave ${typeof out}, not a number`);
    },
  };
}

/**
 * For the rule save path and the rule editor: is this expression acceptable for a device
 * whose profile has these metrics? A metric the profile does not have is an error naming it.
 */
export function checkExpression(
  source: string,
  profileMetrics: readonly string[],
  result: ExpressionResult = 'bool',
): { ok: true; metrics: string[] } | { ok: false; error: string } {
  let compiled: CompiledExpression;
  try {
    compiled = compileExpression(source, result);
  } catch (error) {
    return { ok: false, error: error instanceof CelRejected ? error.message : plain(error) };
  }
  const known = new Set(profileMetrics);
  const unknown = compiled.metrics.filter((m) => !known.has(m));
  if (unknown.length > 0) {
    const list = unknown.map((m) => `"${m}"`).join(', ');
    return {
      ok: false,
      error: `the profile has no metric ${list}; it has ${profileMetrics.length ? profileMetrics.join(', ') : 'none'}`,
    };
  }
  return { ok: true, metrics: [...compiled.metrics] };
}
