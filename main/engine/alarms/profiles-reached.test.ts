import { describe, expect, it } from 'vitest';
import type { DeviceProfile } from '../profiles/profile';
import { profilesReached } from './profiles-reached';

const profile = (metrics: string[]) =>
  ({ metrics: Object.fromEntries(metrics.map((m) => [m, {}])) }) as unknown as DeviceProfile;
const profiles = new Map([
  ['boiler', profile(['temperature', 'pressure'])],
  ['pump', profile(['flow'])],
]);
const of = (d: string) => ({ b1: 'boiler', p1: 'pump', x: 'unknown-profile' })[d];

describe('profiles a rule reaches, for type-checking its expressions', () => {
  it('a profile target: that profile only', () => {
    expect(profilesReached({ target: { profile: 'pump' } }, profiles, of)).toEqual([
      { id: 'pump', metrics: ['flow'] },
    ]);
  });
  it('device ids: their profiles, once each; a device with a profile not installed checks nothing for it', () => {
    expect(profilesReached({ target: { deviceIds: ['b1', 'x', 'b1'] } }, profiles, of)).toEqual([
      { id: 'boiler', metrics: ['temperature', 'pressure'] },
    ]);
  });
  it('a site or tag target can reach any device: every profile', () => {
    expect(profilesReached({ target: { site: 'north' } }, profiles, of).map((p) => p.id)).toEqual([
      'boiler',
      'pump',
    ]);
  });
});
