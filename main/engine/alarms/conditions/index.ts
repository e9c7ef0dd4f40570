/** Every condition kind's evaluator, by kind. Kinds not compiled here are refused when a rule is saved. */
import type { Condition } from '../../../../common/alarm-contract';
import type { ConditionEvaluator } from '../condition-evaluator';
import { compileOffline } from './offline';
import { compileThreshold } from './threshold';

export function compileCondition(condition: Condition): ConditionEvaluator {
  switch (condition.kind) {
    case 'threshold':
      return compileThreshold(condition);
    case 'offline':
      return compileOffline(condition);
    default:
      throw new Error(`condition kind "${condition.kind}" is not supported yet`);
  }
}
