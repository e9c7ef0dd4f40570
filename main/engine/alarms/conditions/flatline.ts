/**
 * Flatline (a stuck sensor): over a whole window the value moved less than the tolerance.
 * The series must have been reporting for the whole window first: two equal readings a
 * second apart are not a stuck sensor. A silence longer than the window restarts the
 * count, because no data is the stale condition's business, not this one's.
 */
import type { ConditionEvaluator, Sample, Verdict } from '../condition-evaluator';
import { BucketWindow } from './bucket-window';
import type { ConditionOf } from './kinds';
import { show } from './ladder';
import { showDuration } from './show-duration';

export function flatlineEvaluator(condition: ConditionOf<'flatline'>): ConditionEvaluator {
  const window = new BucketWindow(condition.windowMs);
  let observedSince: number | null = null;
  let lastTs: number | null = null;
  return {
    sample(sample: Sample): Verdict {
      if (sample.value === null) return { severity: null, value: null, reason: 'no value' };
      if (lastTs === null || sample.ts - lastTs > condition.windowMs) observedSince = sample.ts;
      lastTs = lastTs === null ? sample.ts : Math.max(lastTs, sample.ts);
      window.add(sample.ts, sample.value);
      const s = window.summary(sample.ts)!;
      const moved = s.max - s.min;
      const covered = sample.ts - observedSince! >= condition.windowMs;
      const stuck = covered && moved <= condition.tolerance;
      return {
        severity: stuck ? condition.severity : null,
        value: moved,
        reason: stuck
          ? `moved ${show(moved)} in ${showDuration(condition.windowMs)}`
          : covered
            ? `moved ${show(moved)}`
            : 'not reporting long enough to judge',
      };
    },
    save: () => ({ w: window.save(), since: observedSince, last: lastTs }),
    restore(state) {
      const s = (state ?? {}) as { w?: unknown; since?: unknown; last?: unknown };
      window.restore(s.w);
      observedSince = typeof s.since === 'number' ? s.since : null;
      lastTs = typeof s.last === 'number' ? s.last : null;
    },
  };
}
