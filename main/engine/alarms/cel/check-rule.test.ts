import { expect, test } from 'vitest';
import { RuleSchema } from '../../../../common/alarm-contract';
import { checkRuleExpressions } from './check-rule';

const rule = (condition: unknown, actions: unknown[] = []) =>
  RuleSchema.parse({ id: 'r1', name: 'r1', target: { metric: 'temp' }, condition, actions });

const boiler = { id: 'boiler', metrics: ['temp', 'flow'] };
const pump = { id: 'pump', metrics: ['temp', 'pressure'] };

test('every expression of a rule is checked against every targeted profile, with its path', () => {
  const r = rule({ kind: 'expression', expression: 'value > 80 && metrics.flow < 5.0' }, [
    { kind: 'derive', expression: 'metrics.pressure * 10.0', metric: 'p_kpa' },
    { kind: 'derive', expression: 'value > 1.0', metric: 'bad' },
  ]);
  expect(checkRuleExpressions(r, [boiler, pump])).toEqual([
    { path: 'condition.expression', message: expect.stringMatching(/^profile pump: .*"flow"/) },
    { path: 'actions.0.expression', message: expect.stringMatching(/^profile boiler: .*"pressure"/) },
    { path: 'actions.1.expression', message: 'the expression must give a number, not bool' },
  ]);
});

test('rules without expressions, and valid ones, have no issues; with no profile known only the expression itself is checked', () => {
  expect(checkRuleExpressions(rule({ kind: 'quality' }), [boiler])).toEqual([]);
  expect(
    checkRuleExpressions(rule({ kind: 'expression', expression: 'metrics.anything > 1.0' }), []),
  ).toEqual([]);
  expect(checkRuleExpressions(rule({ kind: 'expression', expression: 'value >' }), [])).toHaveLength(1);
});
