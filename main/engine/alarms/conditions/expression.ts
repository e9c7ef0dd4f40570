/**
 * A CEL expression as the condition: true holds it. An expression that cannot run (refused
 * when compiled, a metric with no reading yet, a division by zero) does not hold, and says
 * why in the verdict's reason, so a broken rule is visible and never crashes ingest.
 */
import { celVariables } from '../cel/cel-context';
import { type CompiledExpression, compileExpression } from '../cel/cel-expression';
import type { ConditionEvaluator, EvaluationContext, Sample, Verdict } from '../condition-evaluator';
import type { ConditionOf } from './kinds';

export function expressionEvaluator(condition: ConditionOf<'expression'>): ConditionEvaluator {
  let compiled: CompiledExpression | undefined;
  let refusal = '';
  try {
    compiled = compileExpression(condition.expression, 'bool');
  } catch (error) {
    refusal = (error as Error).message;
  }
  let prev: number | null = null;
  return {
    sample(sample: Sample, ctx: EvaluationContext): Verdict {
      if (!compiled) return { severity: null, value: sample.value, reason: `expression refused: ${refusal}` };
      if (sample.value === null) return { severity: null, value: null, reason: 'no value' };
      const before = prev ?? sample.value;
      prev = sample.value + 0; // no −0: JSON would restore it as 0
      try {
        const holds = compiled.run(celVariables(sample.value, before, sample.ts, compiled.metrics, ctx));
        return {
          severity: holds ? condition.severity : null,
          value: sample.value,
          reason: holds ? condition.expression : `not ${condition.expression}`,
        };
      } catch (error) {
        return {
          severity: null,
          value: sample.value,
          reason: `expression error: ${(error as Error).message}`,
        };
      }
    },
    save: () => ({ prev }),
    restore(state) {
      const p = (state as { prev?: unknown } | null)?.prev;
      prev = typeof p === 'number' && Number.isFinite(p) ? p : null;
    },
  };
}
