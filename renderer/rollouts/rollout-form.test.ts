import { describe, expect, test } from 'vitest';
import { EMPTY_FIELDS, parseRolloutFields } from './rollout-form';

const good = { ...EMPTY_FIELDS, name: 'June release', sha256: 'AB'.repeat(32), version: '1.2.0' };

describe('rollout form', () => {
  test('defaults give 1/10/50/100 % waves and the thresholds in engine units', () => {
    const r = parseRolloutFields({ ...good, site: ' plant-a ', windowStart: '22:00', windowEnd: '04:00' });
    expect(r).toEqual({
      ok: true,
      config: {
        name: 'June release',
        firmware: { sha256: 'ab'.repeat(32), version: '1.2.0' },
        filter: { site: 'plant-a', profile: undefined, tag: undefined, currentVersion: undefined },
        waves: [1, 10, 50, 100],
        maintenanceWindow: { start: '22:00', end: '04:00' },
        successThresholdPct: 90,
        failureThreshold: { count: 5, pct: 20, minExecuted: 1 },
        soakMs: 600_000,
        deviceTimeoutMs: 1_800_000,
      },
    });
  });

  test('each bad field gets its own plain-words error', () => {
    const r = parseRolloutFields({
      ...good,
      name: ' ',
      sha256: 'xyz',
      waves: '10, 5, 100',
      failCount: '0',
      failPct: '0',
      soakMin: 'soon',
      windowStart: '22:00',
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toMatchObject({
      waves: 'each wave reaches more of the fleet than the one before, the last 100',
      failCount: 'a whole number, at least 1',
      failPct: 'a percentage above 0',
      soakMin: 'minutes, more than 0 and at most a week',
      windowEnd: 'give both ends of the window, or neither',
    });
    const second = parseRolloutFields({ ...good, name: ' ', sha256: 'xyz', waves: '1 50 100%' });
    expect(second).toMatchObject({
      ok: false,
      errors: { name: 'give the rollout a name', sha256: 'the image SHA-256: 64 hex digits' },
    });
    expect(parseRolloutFields({ ...good, waves: '50' })).toMatchObject({
      ok: false,
      errors: { waves: expect.any(String) },
    });
  });
});
