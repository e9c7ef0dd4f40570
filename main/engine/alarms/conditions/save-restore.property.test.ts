/**
 * Property: an evaluator saved at any point and restored into a fresh one (through JSON,
 * as the state goes to SQLite) answers every later reading and watermark exactly as the
 * one that never stopped. This is what makes a restart invisible to every condition kind.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { Condition } from '../../../../common/alarm-contract';
import type { ConditionEvaluator } from '../condition-evaluator';
import { conditionKinds } from './all-kinds';
import { apply, MIN, roundTrip, type Step, T0, testContext } from './test-context';

const series = { deviceId: 'boiler-1', metric: 'temp' };
const levels = [
  { severity: 'warning' as const, above: { value: 5, deadband: 2, deadbandPercent: false } },
  { severity: 'critical' as const, above: { value: 20, deadband: 5, deadbandPercent: true } },
  { severity: 'info' as const, below: { value: -5, deadband: 1, deadbandPercent: false } },
];

const conditions: Exclude<Condition, { kind: 'threshold' | 'offline' }>[] = [
  { kind: 'rate', windowMs: MIN, levels },
  { kind: 'deviation', reference: { setpoint: 3 }, levels },
  { kind: 'deviation', reference: { deviceId: 'boiler-1', metric: 'flow' }, levels },
  { kind: 'aggregate', fn: 'avg', windowMs: 2 * MIN, levels },
  { kind: 'aggregate', fn: 'count', windowMs: MIN, levels },
  { kind: 'aggregate', fn: 'sum', windowMs: 30 * MIN, levels },
  { kind: 'stale', afterMs: 30_000, severity: 'warning' },
  { kind: 'flatline', windowMs: MIN, tolerance: 0.5, severity: 'warning' },
  { kind: 'quality', severity: 'warning' },
  { kind: 'expression', expression: 'value > prev + 1.0 || metrics.flow > 9.0', severity: 'high' },
];

function compile(c: (typeof conditions)[number]): ConditionEvaluator {
  const factory = conditionKinds[c.kind] as (c: Condition, s: typeof series) => ConditionEvaluator;
  return factory(c, series);
}

const steps = fc.array(
  fc.oneof(
    fc.record({
      dt: fc.integer({ min: 0, max: 20_000 }),
      value: fc.option(fc.double({ min: -30, max: 30, noNaN: true }), { freq: 8 }),
      bad: fc.boolean(),
    }),
    fc.record({ dt: fc.integer({ min: 1, max: 60_000 }), advance: fc.constant(true) }),
  ),
  { minLength: 1, maxLength: 120 },
);

type RawStep = { dt: number; value: number | null; bad: boolean } | { dt: number; advance: boolean };

function timeline(raw: RawStep[]): Step[] {
  let t = T0;
  return raw.map((s) => {
    t += s.dt;
    if ('advance' in s) return { kind: 'advance', watermark: t };
    const quality = s.value === null ? 'null' : s.bad ? 'suspect' : 'good';
    return { kind: 'sample', sample: { ts: t, value: s.value, quality } };
  });
}

describe('save/restore is invisible', () => {
  test.each(conditions.map((c) => [`${c.kind} ${JSON.stringify(c).slice(0, 60)}`, c] as const))(
    '%s',
    (_name, c) => {
      // deterministic stand-ins for the store and the other series
      const ctx = testContext({ 'boiler-1/flow': 8.5 }, (_d, _m, fn, from, to) =>
        fn === 'sum' ? (to - from) / 1e5 : 1,
      );
      fc.assert(
        fc.property(steps, fc.nat(), (raw, cut) => {
          const all = timeline(raw);
          const split = cut % (all.length + 1);
          const straight = compile(c);
          const expected = all.map((s) => apply(straight, s, ctx));
          const first = compile(c);
          for (const s of all.slice(0, split)) apply(first, s, ctx);
          expect(JSON.stringify(first.save()).length).toBeLessThan(16_384);
          const resumed = roundTrip(first, compile(c));
          const after = all.slice(split).map((s) => apply(resumed, s, ctx));
          expect(after).toEqual(expected.slice(split));
        }),
        { numRuns: 150 },
      );
    },
  );

  test('a restored state of the wrong shape is an evaluator starting afresh, not a crash', () => {
    for (const c of conditions) {
      for (const junk of [null, 42, 'x', [], { w: 'nope', l: [9, 9, 9], a: { at: 'x' } }, { w: [[1, 2]] }]) {
        const e = compile(c);
        e.restore(junk);
        const fresh = compile(c);
        const ctx = testContext({ 'boiler-1/flow': 1 });
        expect(e.sample({ ts: T0, value: 1, quality: 'good' }, ctx)).toEqual(
          fresh.sample({ ts: T0, value: 1, quality: 'good' }, ctx),
        );
      }
    }
  });
});
