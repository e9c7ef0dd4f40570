/** Test helpers: an evaluation context over plain maps, samples, and a save/restore round trip. */
import type { Quality } from '../../../../common/reading';
import type { ConditionEvaluator, EvaluationContext, Sample, Verdict } from '../condition-evaluator';

export const T0 = Date.UTC(2026, 0, 1, 8);
export const MIN = 60_000;

export function testContext(
  latest: Record<string, number | null> = {},
  aggregate: EvaluationContext['aggregate'] = () => null,
): EvaluationContext {
  return {
    device: { id: 'boiler-1', profile: 'boiler', site: 'north', tags: ['plant-a'] },
    latest: (deviceId, metric) => {
      const v = latest[`${deviceId}/${metric}`];
      return v === undefined ? undefined : { ts: T0, value: v, quality: 'good' };
    },
    aggregate,
  };
}

export const sample = (ts: number, value: number | null, quality: Quality = 'good'): Sample => ({
  ts,
  value,
  quality,
});

/** a step of a replay: a reading, or device time moving on without one */
export type Step = { kind: 'sample'; sample: Sample } | { kind: 'advance'; watermark: number };

export function apply(e: ConditionEvaluator, step: Step, ctx: EvaluationContext): Verdict | undefined {
  return step.kind === 'sample' ? e.sample(step.sample, ctx) : e.advance?.(step.watermark, ctx);
}

/** restore(save()) through JSON, as the state goes to SQLite and back */
export function roundTrip(from: ConditionEvaluator, into: ConditionEvaluator): ConditionEvaluator {
  into.restore(JSON.parse(JSON.stringify(from.save())));
  return into;
}

export const severities = (verdicts: (Verdict | undefined)[]) => verdicts.map((v) => v?.severity ?? null);
