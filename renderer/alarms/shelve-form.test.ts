import { describe, expect, it } from 'vitest';
import { readShelve } from './shelve-form';

const now = new Date(2026, 11, 3, 10, 0).getTime();

describe('shelve dialog', () => {
  it('requires an expiry and a reason', () => {
    expect(readShelve({ expiry: '', until: '', reason: ' ' }, now).errors).toEqual({
      expiry: 'choose when the shelve ends',
      reason: 'required: say why, for the next shift',
    });
  });

  it('ends a preset span from now', () => {
    expect(readShelve({ expiry: '1', until: '', reason: 'sensor swap' }, now)).toEqual({
      until: now + 4 * 3_600_000,
      reason: 'sensor swap',
      errors: null,
    });
  });

  it('takes a local date and time in the future, within 30 days', () => {
    const ok = readShelve({ expiry: 'custom', until: '2026-12-03T18:30', reason: 'r' }, now);
    expect(ok).toMatchObject({ until: new Date(2026, 11, 3, 18, 30).getTime(), errors: null });
    expect(readShelve({ expiry: 'custom', until: '2026-12-03T09:00', reason: 'r' }, now).errors).toEqual({
      until: 'a time in the future',
    });
    expect(readShelve({ expiry: 'custom', until: '2027-02-01T09:00', reason: 'r' }, now).errors).toEqual({
      until: 'at most 30 days from now',
    });
    expect(readShelve({ expiry: 'custom', until: '', reason: 'r' }, now).errors).toEqual({
      until: 'a date and time',
    });
  });
});
