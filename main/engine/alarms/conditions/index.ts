/** Every condition kind's evaluator, by kind. */
import type { Condition } from '../../../../common/alarm-contract';
import type { ConditionEvaluator } from '../condition-evaluator';
import { conditionKinds } from './all-kinds';
import type { ConditionOf, SeriesTarget } from './kinds';
import { compileOffline } from './offline';
import { compileThreshold } from './threshold';

/** `series`: the one the instance judges (windowed aggregates read its stored history) */
export function compileCondition(condition: Condition, series: SeriesTarget): ConditionEvaluator {
  switch (condition.kind) {
    case 'threshold':
      return compileThreshold(condition);
    case 'offline':
      return compileOffline(condition);
    default: {
      const factory = conditionKinds[condition.kind] as (
        c: ConditionOf<typeof condition.kind>,
        s: SeriesTarget,
      ) => ConditionEvaluator;
      return factory(condition, series);
    }
  }
}
