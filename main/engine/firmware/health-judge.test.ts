/**
 * The readings judgement shared by flash health checks and rollout verification: readings
 * as the ingest validator (ingest/validate.ts) leaves them, the validator's own output used
 * as input so a change in what it flags shows here too.
 */
import { describe, expect, it } from 'vitest';
import type { Reading } from '../../../common/reading';
import { ReadingValidator } from '../ingest/validate';
import type { DeviceProfile } from '../profiles/profile';
import { ReadingsJudge, ROLLOUT_HEALTH_POLICY } from './health-judge';

const PROFILE: DeviceProfile = {
  id: 'env',
  name: 'env',
  metrics: { temperature: { unit: '°C', min: -40, max: 85, stuckAfterSamples: 4 } },
};
const T0 = Date.UTC(2026, 11, 3, 12, 0, 0);

function stream() {
  const validator = new ReadingValidator(() => PROFILE);
  let i = 0;
  return (value: number | null, extra: Partial<Reading> = {}) =>
    validator.check({
      deviceId: 'pump-7',
      metric: 'temperature',
      ts: T0 + ++i * 1000,
      value,
      quality: 'good',
      source: 'usb0',
      arrivedAt: T0 + i * 1000,
      ...extra,
    });
}

describe('readings judge', () => {
  it('healthy after the minimum of good readings, waiting before', () => {
    const r = stream();
    const judge = new ReadingsJudge();
    expect(judge.add(r(21.1))).toEqual({ state: 'waiting', good: 1 });
    expect(judge.add(r(21.2))).toEqual({ state: 'waiting', good: 2 });
    expect(judge.add(r(21.3))).toEqual({ state: 'healthy', good: 3 });
  });

  it.each([
    ['out of the profile limits', 999, {}, "temperature = 999 is outside the profile's limits"],
    ['no number (NaN printed as null)', null, {}, 'temperature reported no number'],
    [
      'a value the GATT spec prohibits',
      null,
      { quality: 'invalid' as const },
      'temperature reported a value its specification prohibits',
    ],
    ['a clock far ahead', 21, { ts: T0 + 86_400_000 }, 'temperature = 21 is suspect'],
  ])('one flagged reading decides at once: %s', (_, value, extra, reason) => {
    const r = stream();
    const judge = new ReadingsJudge();
    judge.add(r(21.1));
    const verdict = judge.add(r(value, extra));
    expect(verdict.state).toBe('unhealthy');
    expect(verdict.state === 'unhealthy' && verdict.reason).toMatch(
      new RegExp(`^${reason.replace(/[()]/g, '\\$&')}`),
    );
    // and stays decided whatever follows
    expect(judge.add(r(21.2)).state).toBe('unhealthy');
  });

  it('a stuck sensor (the same value again and again) is not healthy', () => {
    const r = stream();
    const judge = new ReadingsJudge({ minReadings: 10 });
    let verdict = judge.verdict();
    for (let i = 0; i < 5 && verdict.state !== 'unhealthy'; i++) verdict = judge.add(r(20));
    expect(verdict).toEqual({
      state: 'unhealthy',
      reason: expect.stringMatching(/^temperature = 20 is suspect/),
    });
  });

  it('the rollout policy tolerates one glitch in a live stream, not two', () => {
    const r = stream();
    const judge = new ReadingsJudge(ROLLOUT_HEALTH_POLICY);
    judge.add(r(21.1));
    expect(judge.add(r(999)).state).toBe('waiting');
    expect(judge.add(r(21.2))).toEqual({ state: 'waiting', good: 2 });
    expect(judge.add(r(999))).toEqual({
      state: 'unhealthy',
      reason: "temperature = 999 is outside the profile's limits (2 readings flagged)",
    });
  });

  it('says why when the window ends first', () => {
    const r = stream();
    const judge = new ReadingsJudge();
    expect(judge.expired('60 s')).toBe('no readings within 60 s');
    judge.add(r(21.1));
    expect(judge.expired('the soak time')).toBe('only 1 of 3 readings within the soak time');
  });
});
