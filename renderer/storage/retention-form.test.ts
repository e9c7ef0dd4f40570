import { expect, test } from 'vitest';
import { fieldsFromRetention, parseRetentionFields, type RetentionFields } from './retention-form';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

const fields = (over: Partial<RetentionFields> = {}): RetentionFields => ({
  rawDays: '7',
  minuteDays: '90',
  hourDays: '730',
  dayDays: '3650',
  quota: '2',
  quotaUnit: 'GiB',
  ...over,
});

test('a retention shows in the unit that reads naturally', () => {
  const base = { rawDays: 7, minuteDays: 90, hourDays: 730, dayDays: 3650 };
  expect(fieldsFromRetention({ ...base, quotaBytes: 2 * GIB })).toEqual(fields());
  expect(fieldsFromRetention({ ...base, quotaBytes: 1.5 * GIB })).toMatchObject({
    quota: '1.5',
    quotaUnit: 'GiB',
  });
  expect(fieldsFromRetention({ ...base, quotaBytes: 512 * MIB })).toMatchObject({
    quota: '512',
    quotaUnit: 'MiB',
  });
  expect(fieldsFromRetention({ ...base, quotaBytes: 1000 * MIB + 1 })).toMatchObject({ quotaUnit: 'MiB' });
});

test('valid fields parse to the contract’s Retention', () => {
  expect(parseRetentionFields(fields({ quota: ' 1.5 ' }))).toEqual({
    ok: true,
    retention: { rawDays: 7, minuteDays: 90, hourDays: 730, dayDays: 3650, quotaBytes: 1.5 * GIB },
  });
  expect(parseRetentionFields(fields({ quota: '16', quotaUnit: 'MiB' }))).toMatchObject({ ok: true });
});

test('each mistake is named at its field', () => {
  const result = parseRetentionFields(
    fields({
      rawDays: '0',
      minuteDays: '1.5',
      hourDays: '',
      dayDays: '99999',
      quota: '15',
      quotaUnit: 'MiB',
    }),
  );
  expect(result).toEqual({
    ok: false,
    errors: {
      rawDays: '1 to 36500 days',
      minuteDays: 'a whole number of days',
      hourDays: 'a whole number of days',
      dayDays: '1 to 36500 days',
      quota: 'at least 16 MiB',
    },
  });
  expect(parseRetentionFields(fields({ quota: 'lots' }))).toEqual({
    ok: false,
    errors: { quota: 'a size, e.g. 2 GiB' },
  });
});
