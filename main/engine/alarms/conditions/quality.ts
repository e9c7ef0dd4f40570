/** Bad quality: the reading was flagged by validation or the decoder (out of range, suspect, invalid, no value). */
import type { ConditionEvaluator, Sample, Verdict } from '../condition-evaluator';
import type { ConditionOf } from './kinds';

export function qualityEvaluator(condition: ConditionOf<'quality'>): ConditionEvaluator {
  return {
    sample(sample: Sample): Verdict {
      const bad = sample.quality !== 'good';
      return {
        severity: bad ? condition.severity : null,
        value: sample.value,
        reason: bad ? `reading flagged ${sample.quality}` : 'reading good',
      };
    },
    // each reading is judged on its own: nothing to keep
    save: () => null,
    restore() {},
  };
}
