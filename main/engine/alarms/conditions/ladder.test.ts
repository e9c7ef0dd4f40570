import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Ladder } from './ladder';

describe('severity ladder', () => {
  test('the seed example: alarm above 85, clear below 80', () => {
    const l = new Ladder([{ severity: 'high', above: { value: 85, deadband: 5, deadbandPercent: false } }]);
    const seen = [84, 85, 85.1, 82, 80.1, 80, 79.9, 84.9, 86].map((v) => l.judge(v));
    expect(seen).toEqual([null, null, 'high', 'high', 'high', null, null, null, 'high']);
  });

  test('steps up and down a rung at a time, each with its own deadband', () => {
    const l = new Ladder([
      { severity: 'warning', above: { value: 80, deadband: 2, deadbandPercent: false } },
      { severity: 'critical', above: { value: 90, deadband: 2, deadbandPercent: false } },
    ]);
    const seen = [81, 91, 89, 87.9, 79, 77.9].map((v) => l.judge(v));
    expect(seen).toEqual(['warning', 'critical', 'critical', 'warning', 'warning', null]);
  });

  test('a lower limit with a deadband in percent of the limit', () => {
    const l = new Ladder([
      { severity: 'warning', below: { value: 200, deadband: 5, deadbandPercent: true } },
    ]);
    const seen = [201, 199, 209, 210, 199.5].map((v) => l.judge(v));
    expect(seen).toEqual([null, 'warning', 'warning', null, 'warning']);
    expect(l.limit).toBe('below 200');
  });

  test('no value (null, NaN) keeps every rung as it was', () => {
    const l = new Ladder([{ severity: 'high', above: { value: 10, deadband: 0, deadbandPercent: false } }]);
    expect(l.judge(11)).toBe('high');
    expect(l.judge(null)).toBe('high');
    expect(l.judge(Number.NaN)).toBe('high');
    expect(l.judge(9)).toBeNull();
  });

  test('property: once raised, no value inside the deadband clears it (no flapping)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1000, max: 1000, noNaN: true }),
        fc.double({ min: 0.001, max: 100, noNaN: true }),
        fc.array(fc.double({ min: 0.0001, max: 0.9999, noNaN: true }), { minLength: 1, maxLength: 50 }),
        (limit, deadband, fractions) => {
          const l = new Ladder([
            { severity: 'high', above: { value: limit, deadband, deadbandPercent: false } },
          ]);
          fc.pre(limit + 1 > limit);
          expect(l.judge(limit + 1)).toBe('high');
          for (const f of fractions) {
            const v = limit - deadband * f; // below the limit, above its clear point
            fc.pre(v > limit - deadband);
            expect(l.judge(v)).toBe('high');
          }
        },
      ),
    );
  });

  test('restore(save()) answers the same, and refuses a state of the wrong shape', () => {
    const levels = [
      { severity: 'warning' as const, above: { value: 80, deadband: 5, deadbandPercent: false } },
      { severity: 'info' as const, below: { value: 10, deadband: 5, deadbandPercent: false } },
    ];
    const a = new Ladder(levels);
    a.judge(81);
    const b = new Ladder(levels);
    b.restore(JSON.parse(JSON.stringify(a.save())));
    expect(b.judge(77)).toBe('warning');
    const c = new Ladder(levels);
    c.restore([2, 1]); // BELOW on a rung with no lower limit, ABOVE on one with no upper limit
    expect(c.judge(50)).toBeNull();
    c.restore('garbage');
    expect(c.judge(50)).toBeNull();
  });
});
