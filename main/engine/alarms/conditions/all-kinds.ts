/**
 * Every condition kind but `threshold` and `offline` (alarm-core's), by kind, for the
 * registry in index.ts to merge. A factory is given the condition and the series the
 * instance judges (windowed aggregates read its stored history).
 */
import type { Condition } from '../../../../common/alarm-contract';
import type { ConditionEvaluator } from '../condition-evaluator';
import { aggregateEvaluator } from './aggregate';
import { deviationEvaluator } from './deviation';
import { expressionEvaluator } from './expression';
import { flatlineEvaluator } from './flatline';
import type { ConditionOf, SeriesTarget } from './kinds';
import { qualityEvaluator } from './quality';
import { rateEvaluator } from './rate';
import { staleEvaluator } from './stale';

type Factory<K extends Condition['kind']> = (
  condition: ConditionOf<K>,
  series: SeriesTarget,
) => ConditionEvaluator;

export const conditionKinds: { [K in Exclude<Condition['kind'], 'threshold' | 'offline'>]: Factory<K> } = {
  rate: rateEvaluator,
  deviation: deviationEvaluator,
  aggregate: aggregateEvaluator,
  stale: staleEvaluator,
  flatline: flatlineEvaluator,
  quality: qualityEvaluator,
  expression: expressionEvaluator,
};
