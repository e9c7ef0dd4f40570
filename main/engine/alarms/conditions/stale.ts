/**
 * Stale: no reading of the series for `afterMs` of device time. Only the watermark (device
 * time moving on through the device's other series or the site) can say a reading is
 * missing, so the verdict comes from advance(); a reading ends it. A series never seen
 * counts from the first watermark after the rule started, not from the epoch.
 */
import type { ConditionEvaluator, Sample, Verdict } from '../condition-evaluator';
import type { ConditionOf } from './kinds';
import { showDuration } from './show-duration';

export function staleEvaluator(condition: ConditionOf<'stale'>): ConditionEvaluator {
  let lastTs: number | null = null;
  let since: number | null = null;
  return {
    sample(sample: Sample): Verdict {
      lastTs = lastTs === null ? sample.ts : Math.max(lastTs, sample.ts);
      return { severity: null, value: 0, reason: 'reading received' };
    },
    advance(watermark: number): Verdict {
      if (lastTs === null && since === null) since = watermark;
      const from = lastTs ?? since!;
      const silent = Math.max(0, watermark - from);
      const stale = silent >= condition.afterMs;
      return {
        severity: stale ? condition.severity : null,
        value: silent / 1000,
        reason: stale ? `no reading for ${showDuration(silent)}` : 'reading recently',
      };
    },
    save: () => ({ lastTs, since }),
    restore(state) {
      const s = (state ?? {}) as { lastTs?: unknown; since?: unknown };
      lastTs = typeof s.lastTs === 'number' && Number.isFinite(s.lastTs) ? s.lastTs : null;
      since = typeof s.since === 'number' && Number.isFinite(s.since) ? s.since : null;
    },
  };
}
