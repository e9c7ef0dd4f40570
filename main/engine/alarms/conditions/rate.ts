/**
 * Rate of change: how far the value moved over the window, in the metric's unit per
 * minute, judged by the ladder (a 5 °C/min ramp against "above 3 per minute"). The rate is
 * taken between the window's first and last readings, so a single noisy reading moves it
 * only by its own step.
 */
import type { ConditionEvaluator, Sample, Verdict } from '../condition-evaluator';
import { BucketWindow } from './bucket-window';
import type { ConditionOf } from './kinds';
import { Ladder, show } from './ladder';

export function rateEvaluator(condition: ConditionOf<'rate'>): ConditionEvaluator {
  const window = new BucketWindow(condition.windowMs);
  const ladder = new Ladder(condition.levels);
  return {
    sample(sample: Sample): Verdict {
      if (sample.value !== null) window.add(sample.ts, sample.value);
      const s = window.edges(sample.ts);
      const rate = s && s.lastTs > s.firstTs ? ((s.last - s.first) * 60_000) / (s.lastTs - s.firstTs) : null;
      const severity = ladder.judge(rate);
      return {
        severity,
        value: rate,
        reason:
          rate === null
            ? 'not enough readings for a rate'
            : `changing ${show(rate)}/min${ladder.limit && `, ${ladder.limit}`}`,
      };
    },
    save: () => ({ w: window.save(), l: ladder.save() }),
    restore(state) {
      const s = (state ?? {}) as { w?: unknown; l?: unknown };
      window.restore(s.w);
      ladder.restore(s.l);
    },
  };
}
