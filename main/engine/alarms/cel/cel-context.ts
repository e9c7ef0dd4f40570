/** The variables of one evaluation, read from the context: only the metrics the expression names. */
import type { EvaluationContext } from '../condition-evaluator';
import type { CelVariables } from './cel-expression';

export function celVariables(
  value: number,
  prev: number,
  ts: number,
  metrics: readonly string[],
  ctx: Pick<EvaluationContext, 'device' | 'latest'>,
): CelVariables {
  const latest = new Map<string, number>();
  for (const m of metrics) {
    const v = ctx.latest(ctx.device.id, m)?.value;
    if (v !== null && v !== undefined) latest.set(m, v);
  }
  return { value, prev, ts, device: ctx.device, metrics: latest };
}
