import { expect, test } from 'vitest';
import type { DeviceSummary } from '../../common/contract';
import { filterDevices } from './fleet-filter';

const make = (
  id: string,
  name: string,
  kind: string,
  transport: DeviceSummary['transport'],
): DeviceSummary => ({
  id,
  name,
  kind,
  profile: kind,
  transport,
  connectorId: transport,
  state: 'online',
  lastSeen: null,
  metrics: [],
  counters: { readings: 0, duplicates: 0, flagged: 0, nulls: 0, outOfRange: 0, suspect: 0 },
  clockSkewMs: null,
  clockSuspect: false,
});

const fleet = [
  make('th-01', 'Boiler room', 'temperature', 'serial'),
  make('pump-03', 'Cooling pump', 'pump', 'mqtt'),
  make('pm-07', 'Main feeder', 'power meter', 'ble'),
];

test('matches name, kind, id and transport, case-insensitively, every word', () => {
  const ids = (q: string) => filterDevices(fleet, q).map((d) => d.id);
  expect(ids('')).toEqual(['th-01', 'pump-03', 'pm-07']);
  expect(ids('BOILER')).toEqual(['th-01']);
  expect(ids('pump')).toEqual(['pump-03']);
  expect(ids('pm-0')).toEqual(['pm-07']);
  expect(ids('ble')).toEqual(['pm-07']);
  expect(ids('power ble')).toEqual(['pm-07']);
  expect(ids('power mqtt')).toEqual([]);
});
