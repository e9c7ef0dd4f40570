import { expect, test } from 'vitest';
import { describeLink, linkFieldsFrom, parseLink } from './link-fields';

test('fields from a link and back give the same link', () => {
  for (const link of [
    { kind: 'serial' as const, path: '/dev/ttyUSB0', baudRate: 9600 },
    { kind: 'ble' as const, connectorId: 'radio', peripheralId: 'aa:bb' },
  ])
    expect(parseLink(linkFieldsFrom(link))).toEqual({ ok: true, link });
  expect(linkFieldsFrom(null)).toEqual({
    kind: 'serial',
    path: '',
    baudRate: '115200',
    connectorId: '',
    peripheralId: '',
  });
});

test('each mistake is named at its field', () => {
  const serial = { ...linkFieldsFrom(null), path: ' /dev/pts/7 ' };
  expect(parseLink(serial)).toEqual({
    ok: true,
    link: { kind: 'serial', path: '/dev/pts/7', baudRate: 115200 },
  });
  expect(parseLink({ ...serial, path: '  ' })).toEqual({
    ok: false,
    errors: { path: 'choose a port or type its path' },
  });
  expect(parseLink({ ...serial, baudRate: '9600.5' })).toMatchObject({
    ok: false,
    errors: { baudRate: expect.any(String) },
  });
  // the contract's own range check lands at the field too
  expect(parseLink({ ...serial, baudRate: '12' })).toMatchObject({
    ok: false,
    errors: { baudRate: expect.any(String) },
  });
  expect(parseLink({ ...serial, path: 'x'.repeat(501) })).toMatchObject({
    ok: false,
    errors: { path: expect.any(String) },
  });
  const ble = { ...serial, kind: 'ble' as const };
  expect(parseLink(ble)).toEqual({ ok: false, errors: { connectorId: 'choose a Bluetooth adapter' } });
  expect(parseLink({ ...ble, connectorId: 'radio' })).toEqual({
    ok: false,
    errors: { peripheralId: 'choose the device' },
  });
  expect(parseLink({ ...ble, connectorId: 'radio', peripheralId: 'p'.repeat(201) })).toMatchObject({
    ok: false,
    errors: { peripheralId: expect.any(String) },
  });
});

test('a link in a few words', () => {
  expect(describeLink({ kind: 'serial', path: '/dev/ttyACM0', baudRate: 115200 })).toBe(
    '/dev/ttyACM0 @ 115200',
  );
  expect(describeLink({ kind: 'ble', connectorId: 'radio', peripheralId: 'aa' })).toBe('aa via radio');
});
