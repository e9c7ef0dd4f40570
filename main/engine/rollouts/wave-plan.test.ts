import { describe, expect, test } from 'vitest';
import { inMaintenanceWindow } from './maintenance-window';
import { matchesFilter, orderKey, planWaves, type RolloutCandidate, waveCuts } from './wave-plan';

const device = (id: string, over: Partial<RolloutCandidate> = {}): RolloutCandidate => ({
  id,
  site: 'plant-a',
  profile: 'env-sensor',
  tags: ['line-1'],
  firmwareVersion: '1.0.0',
  ...over,
});

describe('wave plan', () => {
  test('cumulative waves cut by ceiling: a 1 % wave of a small fleet still has one device', () => {
    expect(waveCuts(20, [1, 10, 50, 100])).toEqual([1, 2, 10, 20]);
    expect(waveCuts(1000, [1, 10, 50, 100])).toEqual([10, 100, 500, 1000]);
    expect(waveCuts(3, [1, 10, 50, 100])).toEqual([1, 1, 2, 3]);
    expect(waveCuts(0, [1, 100])).toEqual([0, 0]);
  });

  test('the order depends on the campaign and device ids only, not on the order the registry lists them', () => {
    const fleet = Array.from({ length: 50 }, (_, i) => device(`d${i}`));
    const waves = { filter: {}, waves: [1, 10, 50, 100] };
    const a = planWaves('camp-1', waves, fleet);
    const b = planWaves('camp-1', waves, [...fleet].reverse());
    expect(b).toEqual(a);
    expect(planWaves('camp-2', waves, fleet).map((p) => p.deviceId)).not.toEqual(a.map((p) => p.deviceId));
    expect(a.map((p) => p.wave)).toEqual([0, 1, 1, 1, 1, ...Array(20).fill(2), ...Array(25).fill(3)]);
    const keys = a.map((p) => orderKey('camp-1', p.deviceId));
    expect([...keys].sort()).toEqual(keys);
  });

  test('orderKey is SHA-256 of campaign id, newline, device id', () => {
    // sha256("c\nd") computed with coreutils: printf 'c\nd' | sha256sum
    expect(orderKey('c', 'd')).toBe('fad9fc0826cf3f983d1c4639fa49795f0f48eed9df1a26a4ca47371126e258b5');
  });

  test('the filter picks by site, profile, tag and current version', () => {
    const d = device('x');
    expect(matchesFilter(d, {})).toBe(true);
    expect(
      matchesFilter(d, { site: 'plant-a', profile: 'env-sensor', tag: 'line-1', currentVersion: '1.0.0' }),
    ).toBe(true);
    expect(matchesFilter(d, { site: 'plant-b' })).toBe(false);
    expect(matchesFilter(d, { profile: 'other' })).toBe(false);
    expect(matchesFilter(d, { tag: 'line-2' })).toBe(false);
    expect(matchesFilter(d, { currentVersion: '0.9.0' })).toBe(false);
    expect(matchesFilter(device('y', { site: null }), { site: 'plant-a' })).toBe(false);
    expect(matchesFilter(device('y', { firmwareVersion: null }), { currentVersion: '1.0.0' })).toBe(false);
  });
});

describe('maintenance window', () => {
  const at = (h: number, m = 0) => Date.UTC(2026, 11, 3, h, m);
  test('a window within the day', () => {
    const w = { start: '09:00', end: '17:30' };
    expect(inMaintenanceWindow(at(8, 59), w)).toBe(false);
    expect(inMaintenanceWindow(at(9, 0), w)).toBe(true);
    expect(inMaintenanceWindow(at(17, 29), w)).toBe(true);
    expect(inMaintenanceWindow(at(17, 30), w)).toBe(false);
  });
  test('a window across midnight, and none at all', () => {
    const w = { start: '22:00', end: '04:00' };
    expect(inMaintenanceWindow(at(23), w)).toBe(true);
    expect(inMaintenanceWindow(at(3, 59), w)).toBe(true);
    expect(inMaintenanceWindow(at(4), w)).toBe(false);
    expect(inMaintenanceWindow(at(12), w)).toBe(false);
    expect(inMaintenanceWindow(at(12), null)).toBe(true);
    expect(inMaintenanceWindow(at(12), { start: '00:00', end: '00:00' })).toBe(true);
  });
});
