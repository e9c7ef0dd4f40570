/**
 * Deviation: |value − reference| against the ladder, the reference a fixed setpoint or the
 * latest reading of another series (a supply and a return temperature, a sensor and its
 * redundant twin). Without a reference reading there is nothing to judge, which is not
 * the same as "no deviation": the rungs stay as they were.
 */
import type { ConditionEvaluator, EvaluationContext, Sample, Verdict } from '../condition-evaluator';
import type { ConditionOf } from './kinds';
import { Ladder, show } from './ladder';

export function deviationEvaluator(condition: ConditionOf<'deviation'>): ConditionEvaluator {
  const ladder = new Ladder(condition.levels);
  const ref = condition.reference;
  const reference = (ctx: EvaluationContext): number | null =>
    'setpoint' in ref ? ref.setpoint : (ctx.latest(ref.deviceId, ref.metric)?.value ?? null);
  return {
    sample(sample: Sample, ctx: EvaluationContext): Verdict {
      const r = reference(ctx);
      const deviation = sample.value === null || r === null ? null : Math.abs(sample.value - r);
      const severity = ladder.judge(deviation);
      const reason =
        r === null
          ? `no reading of ${'setpoint' in ref ? 'the setpoint' : `${ref.deviceId} ${ref.metric}`}`
          : deviation === null
            ? 'no value'
            : `${show(deviation)} from ${show(r)}${ladder.limit && `, ${ladder.limit}`}`;
      return { severity, value: deviation, reason };
    },
    save: () => ({ l: ladder.save() }),
    restore(state) {
      ladder.restore((state as { l?: unknown } | null)?.l);
    },
  };
}
