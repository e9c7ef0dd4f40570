/**
 * A windowed aggregate (avg, min, max, sum, count) against the ladder. Windows up to
 * LONG_WINDOW_MS live in memory (a bucket ring, a few KB whatever the reading rate);
 * longer ones ask the store, which answers from the 1 m / 1 h / 1 d rollups plus raw
 * readings at the edges, at most once per 1/60 of the window: a 24 h average does not move
 * between two readings a second apart, and the store must not be read per reading.
 */
import type { ConditionEvaluator, EvaluationContext, Sample, Verdict } from '../condition-evaluator';
import { BUCKETS_PER_WINDOW, BucketWindow, type WindowSummary } from './bucket-window';
import type { ConditionOf, SeriesTarget } from './kinds';
import { Ladder, show } from './ladder';
import { showDuration } from './show-duration';

export const LONG_WINDOW_MS = 10 * 60_000;

type Fn = ConditionOf<'aggregate'>['fn'];

function fromSummary(fn: Fn, s: WindowSummary | null): number | null {
  if (!s) return fn === 'count' || fn === 'sum' ? 0 : null;
  switch (fn) {
    case 'avg':
      return s.sum / s.count;
    case 'min':
      return s.min;
    case 'max':
      return s.max;
    case 'sum':
      return s.sum;
    case 'count':
      return s.count;
  }
}

export function aggregateEvaluator(
  condition: ConditionOf<'aggregate'>,
  series: SeriesTarget,
): ConditionEvaluator {
  const ladder = new Ladder(condition.levels);
  const long = condition.windowMs > LONG_WINDOW_MS;
  const window = long ? undefined : new BucketWindow(condition.windowMs);
  const refreshMs = Math.ceil(condition.windowMs / BUCKETS_PER_WINDOW);
  let asked: { at: number; value: number | null } | null = null;

  const compute = (ts: number, ctx: EvaluationContext): number | null => {
    if (window) return fromSummary(condition.fn, window.summary(ts));
    if (!asked || ts >= asked.at + refreshMs || ts < asked.at) {
      const value = ctx.aggregate(series.deviceId, series.metric, condition.fn, ts - condition.windowMs, ts);
      // not finite is no answer; + 0 drops a −0 that JSON would restore as 0
      asked = { at: ts, value: value !== null && Number.isFinite(value) ? value + 0 : null };
    }
    return asked.value;
  };

  const judge = (ts: number, ctx: EvaluationContext): Verdict => {
    const value = compute(ts, ctx);
    const severity = ladder.judge(value);
    return {
      severity,
      value,
      reason:
        value === null
          ? `no readings in the last ${showDuration(condition.windowMs)}`
          : `${condition.fn} ${show(value)} over ${showDuration(condition.windowMs)}${ladder.limit && `, ${ladder.limit}`}`,
    };
  };

  return {
    sample(sample: Sample, ctx: EvaluationContext): Verdict {
      if (window && sample.value !== null) window.add(sample.ts, sample.value);
      return judge(sample.ts, ctx);
    },
    /** readings age out of the window while none arrive: a count or a sum falls on its own */
    advance: (watermark, ctx) => judge(watermark, ctx),
    save: () => ({ w: window?.save() ?? null, l: ladder.save(), a: asked }),
    restore(state) {
      const s = (state ?? {}) as { w?: unknown; l?: unknown; a?: { at?: unknown; value?: unknown } | null };
      window?.restore(s.w);
      ladder.restore(s.l);
      const a = s.a;
      asked =
        a && typeof a.at === 'number' && (typeof a.value === 'number' || a.value === null)
          ? { at: a.at, value: a.value }
          : null;
    },
  };
}
