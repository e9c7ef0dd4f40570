import { expect, test } from 'vitest';
import type { RegistryDevice } from '../../common/registry-contract';
import { allowedTransitions, expiryOf, formatUptime, parseDeviceEdit, parseTags } from './device-facts';

const DAY = 86_400_000;
const now = Date.UTC(2025, 0, 1);

test('credential expiry warns under 30 days and says when it has passed', () => {
  expect(expiryOf(null, now)).toEqual({ level: 'none', text: 'no expiry' });
  expect(expiryOf(now + 400 * DAY, now)).toEqual({ level: 'ok', text: 'expires in 400 d' });
  expect(expiryOf(now + 30 * DAY, now).level).toBe('ok');
  expect(expiryOf(now + 29.5 * DAY, now)).toEqual({ level: 'warn', text: 'expires in 29 d' });
  expect(expiryOf(now + 3600_000, now)).toEqual({ level: 'warn', text: 'expires within a day' });
  expect(expiryOf(now - 3 * DAY, now)).toEqual({ level: 'expired', text: 'expired 3 d ago' });
});

test('lifecycle moves come from the contract', () => {
  expect(allowedTransitions('discovered')).toEqual(['commissioned', 'decommissioned']);
  expect(allowedTransitions('decommissioned')).toEqual(['discovered']);
});

test('uptime and tags read naturally', () => {
  expect(formatUptime(null)).toBe('—');
  expect(formatUptime(42)).toBe('42 s');
  expect(formatUptime(3 * 86_400 + 7200)).toBe('3 d 2 h');
  expect(parseTags(' boiler, north  roof,,boiler ')).toEqual(['boiler', 'north', 'roof']);
});

const device = {
  id: 'pump-07',
  name: 'Pump 7',
  site: 'Plant A',
  tags: ['north'],
  profile: '',
} as unknown as RegistryDevice;

test('an edit sends only what changed', () => {
  expect(parseDeviceEdit(device, { name: 'Pump 7', site: 'Plant A', tags: 'north', profile: '' })).toEqual({
    ok: true,
    update: { deviceId: 'pump-07' },
    changed: false,
  });
  expect(
    parseDeviceEdit(device, { name: ' Pump seven ', site: '', tags: 'north, east', profile: '' }),
  ).toEqual({
    ok: true,
    update: { deviceId: 'pump-07', name: 'Pump seven', site: null, tags: ['north', 'east'] },
    changed: true,
  });
});

test('a profile picked in the edit form is sent only when it changed', () => {
  expect(
    parseDeviceEdit(device, { name: 'Pump 7', site: 'Plant A', tags: 'north', profile: 'pump' }),
  ).toEqual({
    ok: true,
    update: { deviceId: 'pump-07', profile: 'pump' },
    changed: true,
  });
  const withPump = { ...device, profile: 'pump' } as RegistryDevice;
  expect(
    parseDeviceEdit(withPump, { name: 'Pump 7', site: 'Plant A', tags: 'north', profile: '' }),
  ).toMatchObject({
    update: { deviceId: 'pump-07', profile: '' },
  });
});

test('edit mistakes are named at their field', () => {
  const result = parseDeviceEdit(device, {
    name: '  ',
    site: 'Plant A',
    tags: `ok ${'x'.repeat(70)}`,
    profile: '',
  });
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.errors.name).toBe('a device needs a name');
  const tags = parseDeviceEdit(device, {
    name: 'ok',
    site: 'Plant A',
    tags: `ok ${'x'.repeat(70)}`,
    profile: '',
  });
  expect(tags.ok === false && tags.errors.tags).toMatch(/^“x{70}”/);
});
