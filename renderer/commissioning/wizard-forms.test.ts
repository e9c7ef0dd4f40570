import { expect, test } from 'vitest';
import { sessionAt } from './session-fixture';
import {
  connectFieldsFrom,
  credentialsFieldsFrom,
  detailsFieldsFrom,
  networkFieldsFrom,
  parseConnect,
  parseCredentials,
  parseDetails,
  parseNetwork,
  parseRecord,
  parseVerify,
  suggestDeviceId,
} from './wizard-forms';

const identity = {
  firmwareName: 'esphome',
  firmwareVersion: '2024.6',
  hardwareVersion: 'B',
  model: 'TH Sensor',
  serialNumber: 'SN 0042',
  mac: null,
  improv: true,
  improvState: 'authorized',
  configProtocol: true,
  existingDeviceId: null,
};

test('connect: a serial path or a BLE peripheral, each mistake at its field', () => {
  const serial = { ...connectFieldsFrom(null), path: ' /dev/pts/7 ' };
  expect(parseConnect(serial)).toEqual({
    ok: true,
    value: { step: 'connect', link: { kind: 'serial', path: '/dev/pts/7', baudRate: 115200 } },
  });
  expect(parseConnect({ ...serial, path: '' })).toEqual({
    ok: false,
    errors: { path: 'choose a port or type its path' },
  });
  expect(parseConnect({ ...serial, baudRate: '9600.5' })).toMatchObject({
    ok: false,
    errors: { baudRate: expect.any(String) },
  });
  expect(parseConnect({ ...serial, baudRate: '12' })).toMatchObject({
    ok: false,
    errors: { baudRate: expect.any(String) },
  });
  const ble = { ...serial, kind: 'ble' as const, connectorId: 'radio' };
  expect(parseConnect(ble)).toEqual({ ok: false, errors: { peripheralId: 'choose the device' } });
  expect(parseConnect({ ...ble, peripheralId: 'aa:bb' })).toEqual({
    ok: true,
    value: { step: 'connect', link: { kind: 'ble', connectorId: 'radio', peripheralId: 'aa:bb' } },
  });
  // a resumed session shows the link it had
  expect(
    connectFieldsFrom(
      sessionAt('identify', 'pending', { link: { kind: 'serial', path: '/dev/x', baudRate: 9600 } }),
    ),
  ).toMatchObject({ kind: 'serial', path: '/dev/x', baudRate: '9600' });
});

test('details: the device id is suggested from what the device said', () => {
  const s = sessionAt('details', 'pending', { identity });
  expect(suggestDeviceId(s)).toBe('th-sensor-sn-0042');
  expect(suggestDeviceId({ ...s, identity: { ...identity, existingDeviceId: 'th-9' } })).toBe('th-9');
  expect(detailsFieldsFrom(s)).toMatchObject({ deviceId: 'th-sensor-sn-0042', profile: '' });
  const batch = sessionAt('details', 'pending', {
    details: { deviceId: 'pump-08', name: 'Pump 8', site: 'A', profile: 'pump', tags: ['n', 'e'] },
  });
  expect(detailsFieldsFrom(batch)).toEqual({
    deviceId: 'pump-08',
    name: 'Pump 8',
    site: 'A',
    profile: 'pump',
    tags: 'n, e',
  });
});

test('details: parsed with the contract’s schema', () => {
  const fields = { deviceId: 'pump-08', name: 'Pump 8', site: ' A ', profile: 'pump', tags: 'n e,n' };
  expect(parseDetails(fields)).toEqual({
    ok: true,
    value: {
      step: 'details',
      input: { deviceId: 'pump-08', name: 'Pump 8', site: 'A', profile: 'pump', tags: ['n', 'e'] },
    },
  });
  expect(parseDetails({ ...fields, profile: '' })).toEqual({
    ok: false,
    errors: { profile: 'choose a device profile' },
  });
  const bad = parseDetails({ ...fields, deviceId: '-bad id', name: ' ' });
  expect(bad.ok).toBe(false);
  if (!bad.ok) {
    expect(bad.errors.deviceId).toMatch(/letters, digits/);
    expect(bad.errors.name).toBeTruthy();
  }
});

test('credentials, verify and record', () => {
  expect(parseCredentials({ kind: 'psk', validityDays: '365' })).toEqual({
    ok: true,
    value: { step: 'credentials', input: { kind: 'psk', validityDays: 365 } },
  });
  expect(parseCredentials({ kind: 'x509', validityDays: '0' })).toMatchObject({
    ok: false,
    errors: { validityDays: expect.any(String) },
  });
  expect(parseCredentials({ kind: 'x509', validityDays: 'soon' })).toEqual({
    ok: false,
    errors: { validityDays: 'a whole number of days' },
  });
  // in plain words with the allowed range, not the validation library's wording
  expect(parseVerify({ timeoutS: '2' })).toEqual({
    ok: false,
    errors: { timeoutS: 'a whole number from 5 to 600' },
  });
  expect(parseVerify({ timeoutS: '60' })).toEqual({
    ok: true,
    value: { step: 'verify', input: { timeoutS: 60 } },
  });
  expect(parseRecord({ notes: 'x'.repeat(2001) })).toEqual({
    ok: false,
    errors: { notes: 'at most 2000 characters' },
  });
});

test('network: a batch session reuses the sealed password unless a new one is typed', () => {
  const fresh = networkFieldsFrom(sessionAt('network'));
  expect(fresh).toMatchObject({ reusePassword: false, reportingIntervalS: '10' });
  const fields = { ...fresh, ssid: 'plant', password: 'hunter22', brokerUrl: 'mqtts://broker:8883' };
  expect(parseNetwork(fields)).toEqual({
    ok: true,
    value: {
      step: 'network',
      input: {
        ssid: 'plant',
        password: 'hunter22',
        brokerUrl: 'mqtts://broker:8883',
        reportingIntervalS: 10,
      },
    },
  });
  const batch = networkFieldsFrom(
    sessionAt('network', 'pending', {
      network: { ssid: 'plant', brokerUrl: 'mqtts://b', reportingIntervalS: 30, verified: true },
    }),
  );
  expect(batch).toMatchObject({ reusePassword: true, ssid: 'plant', reportingIntervalS: '30' });
  const parsed = parseNetwork(batch);
  expect(parsed.ok && parsed.value.step === 'network' && 'password' in parsed.value.input).toBe(false);
  // after a failed run the sealed password may be the refused one: it is typed again
  const refused = sessionAt('network', 'failed', {
    network: { ssid: 'plant', brokerUrl: 'mqtts://b', reportingIntervalS: 30, verified: false },
  });
  expect(networkFieldsFrom(refused).reusePassword).toBe(false);
  expect(parseNetwork({ ...fields, brokerUrl: 'http://x' })).toMatchObject({
    ok: false,
    errors: { brokerUrl: expect.any(String) },
  });
  expect(parseNetwork({ ...fields, ssid: '' })).toMatchObject({
    ok: false,
    errors: { ssid: expect.any(String) },
  });
  expect(parseNetwork({ ...fields, password: 'p'.repeat(64) })).toMatchObject({
    ok: false,
    errors: { password: expect.any(String) },
  });
});

test('a batch session is pre-filled from what the previous device carried over', () => {
  const carried = sessionAt('connect', 'pending', {
    batchId: 'b1',
    carried: {
      details: { deviceId: 'pump-08', name: 'Pump 08', site: 'A', profile: 'pump', tags: ['n'] },
      credentials: { kind: 'psk', validityDays: 365 },
      network: { ssid: 'plant', brokerUrl: 'mqtts://b', reportingIntervalS: 30, hasPassword: true },
    },
  });
  expect(detailsFieldsFrom(carried)).toEqual({
    deviceId: 'pump-08',
    name: 'Pump 08',
    site: 'A',
    profile: 'pump',
    tags: 'n',
  });
  expect(credentialsFieldsFrom(carried)).toEqual({ kind: 'psk', validityDays: '365' });
  expect(networkFieldsFrom(carried)).toMatchObject({
    ssid: 'plant',
    reusePassword: true,
    reportingIntervalS: '30',
  });
  const noPassword = {
    ...carried,
    carried: { ...carried.carried!, network: { ...carried.carried!.network!, hasPassword: false } },
  };
  expect(networkFieldsFrom(noPassword).reusePassword).toBe(false);
});
