import { describe, expect, test } from 'vitest';
import type { SinkStatus } from '../../common/sync-contract';
import {
  describeDownData,
  describeFolded,
  describeState,
  errorIsCurrent,
  fieldsFromSettings,
  formatAge,
  formatBacklogAge,
  formatBacklogSize,
  formatByteRate,
  formatBytesPerReading,
  formatEtag,
  formatReadingRate,
  parseSettingsFields,
  sinkHealth,
} from './sync-format';

const NOW = 1_700_000_000_000;

const GIB = 1024 ** 3;
const QUOTA_FIELDS = { quota: '1', quotaUnit: 'GiB' } as const;

function status(over: Partial<SinkStatus> = {}): SinkStatus {
  return {
    id: 'sink-1',
    kind: 'http',
    name: 'cloud',
    enabled: true,
    target: 'http://127.0.0.1:8900/v1/batches',
    connected: true,
    state: 'idle',
    backlog: { readings: 0, events: 0, rollups: 0, oldestAt: null },
    delivered: { batches: 0, readings: 0, bytes: 0 },
    readingsPerS: 0,
    bytesPerS: 0,
    retries: 0,
    lastError: null,
    lastSuccessAt: null,
    nextAttemptAt: null,
    parked: 0,
    folded: null,
    ...over,
  };
}

describe('backlog', () => {
  test.each([
    [0, '0.0 s'],
    [-5000, '0.0 s'],
    [2345, '2.3 s'],
    [42_000, '42 s'],
    [125_000, '2 min 05 s'],
    [7_500_000, '2 h 05 min'],
    [3 * 86_400_000 + 4 * 3_600_000, '3 d 4 h'],
  ])('an age of %d ms reads "%s"', (ms, text) => {
    expect(formatAge(ms)).toBe(text);
  });

  test('an empty backlog has no age, whatever oldestAt says', () => {
    expect(formatBacklogAge({ readings: 0, events: 0, rollups: 0, oldestAt: NOW - 1000 }, NOW)).toBe('empty');
    expect(formatBacklogAge({ readings: 5, events: 0, rollups: 0, oldestAt: null }, NOW)).toBe('empty');
    expect(formatBacklogAge({ readings: 5, events: 0, rollups: 0, oldestAt: NOW - 90_000 }, NOW)).toBe(
      '1 min 30 s',
    );
  });

  test('size: rollup blocks (folded by the outbox quota) only when there are some', () => {
    expect(formatBacklogSize({ readings: 0, events: 2, rollups: 3, oldestAt: 1 })).toBe(
      '0 readings, 2 events, 3 rollup blocks',
    );
    expect(formatBacklogAge({ readings: 0, events: 0, rollups: 1, oldestAt: NOW - 2000 }, NOW)).toBe('2.0 s');
  });

  test('size: readings grouped, events only when there are some', () => {
    expect(formatBacklogSize({ readings: 12_345, events: 0, rollups: 0, oldestAt: 1 })).toBe(
      '12\u2009345 readings',
    );
    expect(formatBacklogSize({ readings: 1, events: 1, rollups: 0, oldestAt: 1 })).toBe('1 reading, 1 event');
  });
});

describe('throughput', () => {
  test.each([
    [0, '0 readings/s'],
    [Number.NaN, '0 readings/s'],
    [0.25, '0.3 readings/s'],
    [9.94, '9.9 readings/s'],
    [412_345.6, '412\u2009346 readings/s'],
  ])('%d readings/s reads "%s"', (n, text) => {
    expect(formatReadingRate(n)).toBe(text);
  });

  test('bytes per second and per reading', () => {
    expect(formatByteRate(0)).toBe('0 B/s');
    expect(formatByteRate(512)).toBe('512 B/s');
    expect(formatByteRate(1536)).toBe('1.5 KiB/s');
    expect(formatBytesPerReading({ batches: 0, readings: 0, bytes: 0 })).toBeNull();
    expect(formatBytesPerReading({ batches: 3, readings: 1000, bytes: 2180 })).toBe('2.18 B/reading');
    expect(formatBytesPerReading({ batches: 1, readings: 10, bytes: 400 })).toBe('40 B/reading');
  });
});

describe('health', () => {
  const err = (at: number) => ({ message: 'connect ECONNREFUSED', status: null, at });

  test('an error stands until a batch is delivered after it', () => {
    expect(errorIsCurrent(status())).toBe(false);
    expect(errorIsCurrent(status({ lastError: err(NOW), lastSuccessAt: null }))).toBe(true);
    expect(errorIsCurrent(status({ lastError: err(NOW), lastSuccessAt: NOW - 1 }))).toBe(true);
    expect(errorIsCurrent(status({ lastError: err(NOW), lastSuccessAt: NOW + 1 }))).toBe(false);
  });

  test('one word per situation', () => {
    expect(sinkHealth(status())).toBe('connected');
    expect(sinkHealth(status({ connected: false, state: 'backoff', lastError: err(NOW) }))).toBe(
      'disconnected',
    );
    expect(sinkHealth(status({ state: 'backoff', lastError: err(NOW) }))).toBe('failing');
    // a parked (422) batch does not make the sink failing: it moves on
    expect(sinkHealth(status({ state: 'idle', lastError: err(NOW), parked: 1 }))).toBe('connected');
    expect(sinkHealth(status({ enabled: false, state: 'disabled' }))).toBe('paused');
    expect(sinkHealth(status({ state: 'stopped', connected: false }))).toBe('stopped');
  });

  test('the retry countdown', () => {
    expect(describeState(status({ state: 'backoff', nextAttemptAt: NOW + 2345 }), NOW)).toBe(
      'waiting to retry in 2.3 s',
    );
    expect(describeState(status({ state: 'backoff', nextAttemptAt: NOW + 42_400 }), NOW)).toBe(
      'waiting to retry in 42 s',
    );
    expect(describeState(status({ state: 'throttled' }), NOW)).toMatch(/bandwidth cap/);
  });
});

describe('outbox quota', () => {
  test('the quota round-trips in GiB when it reads short there, else in MiB', () => {
    const fields = (outboxQuotaBytes: number) =>
      fieldsFromSettings({ bandwidthBytesPerS: null, metered: false, outboxQuotaBytes });
    expect(fields(GIB)).toMatchObject({ quota: '1', quotaUnit: 'GiB' });
    expect(fields(2.5 * GIB)).toMatchObject({ quota: '2.5', quotaUnit: 'GiB' });
    expect(fields(16 * 1024 ** 2)).toMatchObject({ quota: '16', quotaUnit: 'MiB' });
    expect(fields(1536 * 1024 ** 2)).toMatchObject({ quota: '1.5', quotaUnit: 'GiB' });
    for (const bytes of [16 * 1024 ** 2, 300 * 1024 ** 2, GIB, 5 * GIB]) {
      const parsed = parseSettingsFields(fields(bytes));
      expect(parsed.ok && parsed.settings.outboxQuotaBytes).toBe(bytes);
    }
  });

  test.each([
    ['', 'GiB', /positive size/],
    ['0', 'GiB', /positive size/],
    ['15', 'MiB', /at least 16 MiB/],
    ['2000', 'GiB', /at most 1 TiB/],
  ] as const)('a quota of "%s" %s is refused', (quota, quotaUnit, message) => {
    const r = parseSettingsFields({
      capped: false,
      cap: '',
      capUnit: 'kbit/s',
      metered: false,
      quota,
      quotaUnit,
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });

  test('the folded notice names the device-time range and the count', () => {
    expect(describeFolded(null)).toBeNull();
    const from = new Date(2026, 0, 2, 3, 4, 5).getTime();
    const to = new Date(2026, 0, 9, 10, 0, 0).getTime();
    expect(describeFolded({ readings: 1_234_567, fromTs: from, toTs: to, at: to })).toBe(
      'The outbox was over its quota: raw readings from 2026-01-02 03:04:05 to 2026-01-09 10:00:00 ' +
        'were folded into 1-minute rollups (1\u2009234\u2009567 readings, device time).',
    );
  });
});

describe('settings form', () => {
  test('the cap round-trips in the unit that reads best', () => {
    expect(fieldsFromSettings({ bandwidthBytesPerS: null, metered: true, outboxQuotaBytes: GIB })).toEqual({
      capped: false,
      cap: '',
      capUnit: 'kbit/s',
      metered: true,
      quota: '1',
      quotaUnit: 'GiB',
    });
    expect(
      fieldsFromSettings({ bandwidthBytesPerS: 65_536, metered: false, outboxQuotaBytes: GIB }),
    ).toMatchObject({
      cap: '64',
      capUnit: 'KiB/s',
    });
    expect(
      fieldsFromSettings({ bandwidthBytesPerS: 32_000, metered: false, outboxQuotaBytes: GIB }),
    ).toMatchObject({
      cap: '256',
      capUnit: 'kbit/s',
    });
    expect(
      fieldsFromSettings({ bandwidthBytesPerS: 2 * 1024 * 1024, metered: false, outboxQuotaBytes: GIB }),
    ).toMatchObject({
      cap: '2',
      capUnit: 'MiB/s',
    });
    for (const bytes of [1024, 1500, 32_000, 65_536, 125_000, 3_000_001]) {
      const parsed = parseSettingsFields(
        fieldsFromSettings({ bandwidthBytesPerS: bytes, metered: false, outboxQuotaBytes: GIB }),
      );
      expect(parsed).toEqual({
        ok: true,
        settings: { bandwidthBytesPerS: bytes, metered: false, outboxQuotaBytes: GIB },
      });
    }
  });

  test.each([
    ['', /positive number/],
    ['abc', /positive number/],
    ['-5', /positive number/],
    ['8', /at least 1 KiB/],
    ['1e12', /at most/],
  ])('a cap of "%s" kbit/s is refused', (cap, message) => {
    const r = parseSettingsFields({ capped: true, cap, capUnit: 'kbit/s', metered: false, ...QUOTA_FIELDS });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });

  test('no cap ignores whatever the cap field holds', () => {
    expect(
      parseSettingsFields({ capped: false, cap: 'junk', capUnit: 'MiB/s', metered: true, ...QUOTA_FIELDS }),
    ).toEqual({
      ok: true,
      settings: { bandwidthBytesPerS: null, metered: true, outboxQuotaBytes: GIB },
    });
  });
});

test('down-synced documents are summarised, whatever shape they come in', () => {
  expect(describeDownData([{ deviceId: 'a' }, { deviceId: 'b' }])).toBe('2 entries');
  expect(describeDownData([1])).toBe('1 entry');
  expect(describeDownData({ a: 1 })).toBe('1 setting');
  expect(describeDownData(null)).toBe('empty');
  expect(describeDownData('x')).toBe('string');
});

test('ETags read without their quotes', () => {
  expect(formatEtag('"firmware-3"')).toBe('firmware-3');
  expect(formatEtag('W/"abc"')).toBe('W/abc');
  expect(formatEtag('sha:12:ff')).toBe('sha:12:ff');
});
