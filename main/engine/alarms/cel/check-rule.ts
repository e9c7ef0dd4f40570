/**
 * The rule save path's check of every CEL expression in a rule (the condition and each
 * derive action) against the metrics of each profile the rule targets. Issues carry the
 * path in the rule, so the rule editor can put the message beside the field.
 */
import type { Rule } from '../../../../common/alarm-contract';
import { checkExpression, compileExpression } from './cel-expression';

export interface RuleIssue {
  path: string;
  message: string;
}

/** `profiles`: each targeted profile's id and metric names (a rule may target several) */
export function checkRuleExpressions(
  rule: Pick<Rule, 'condition' | 'actions'>,
  profiles: readonly { id: string; metrics: readonly string[] }[],
): RuleIssue[] {
  const checks: { path: string; source: string; result: 'bool' | 'number' }[] = [];
  if (rule.condition.kind === 'expression')
    checks.push({ path: 'condition.expression', source: rule.condition.expression, result: 'bool' });
  rule.actions.forEach((a, i) => {
    if (a.kind === 'derive')
      checks.push({ path: `actions.${i}.expression`, source: a.expression, result: 'number' });
  });
  const issues: RuleIssue[] = [];
  for (const c of checks) {
    try {
      compileExpression(c.source, c.result);
    } catch (error) {
      // a size, cost, syntax or type error is the same whatever the profile
      issues.push({ path: c.path, message: (error as Error).message });
      continue;
    }
    for (const p of profiles) {
      const r = checkExpression(c.source, p.metrics, c.result);
      if (!r.ok) issues.push({ path: c.path, message: `profile ${p.id}: ${r.error}` });
    }
  }
  return issues;
}
