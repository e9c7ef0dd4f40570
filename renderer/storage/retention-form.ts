/**
 * The retention form's text fields to and from the contract's Retention. Validation here
 * mirrors the contract (the engine checks again) so a mistake is named next to its field
 * before anything is sent.
 */

import { type Retention, RetentionSchema } from '../../common/contract';
import { plainMessage } from '../../common/validation-messages';

export type QuotaUnit = 'MiB' | 'GiB';

export interface RetentionFields {
  rawDays: string;
  minuteDays: string;
  hourDays: string;
  dayDays: string;
  quota: string;
  quotaUnit: QuotaUnit;
}

export type RetentionErrors = Partial<Record<keyof RetentionFields, string>>;

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;
export const MIN_QUOTA_BYTES = 16 * MIB;
const MAX_DAYS = 36_500;
const DAY_FIELDS = ['rawDays', 'minuteDays', 'hourDays', 'dayDays'] as const;

export function fieldsFromRetention(r: Retention): RetentionFields {
  // GiB when that reads naturally (whole or one decimal), MiB otherwise
  const gib = r.quotaBytes / GIB;
  const inGib = r.quotaBytes >= GIB && Math.abs(gib * 10 - Math.round(gib * 10)) < 1e-9;
  return {
    rawDays: String(r.rawDays),
    minuteDays: String(r.minuteDays),
    hourDays: String(r.hourDays),
    dayDays: String(r.dayDays),
    quota: inGib ? String(Math.round(gib * 10) / 10) : String(Math.round((r.quotaBytes / MIB) * 100) / 100),
    quotaUnit: inGib ? 'GiB' : 'MiB',
  };
}

function parseDays(text: string): number | string {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isInteger(value)) return 'a whole number of days';
  if (value < 1 || value > MAX_DAYS) return `1 to ${MAX_DAYS} days`;
  return value;
}

export function parseRetentionFields(
  fields: RetentionFields,
): { ok: true; retention: Retention } | { ok: false; errors: RetentionErrors } {
  const errors: RetentionErrors = {};
  const days: Partial<Record<(typeof DAY_FIELDS)[number], number>> = {};
  for (const name of DAY_FIELDS) {
    const parsed = parseDays(fields[name]);
    if (typeof parsed === 'string') errors[name] = parsed;
    else days[name] = parsed;
  }
  const quota = Number(fields.quota.trim());
  const quotaBytes = Math.round(quota * (fields.quotaUnit === 'GiB' ? GIB : MIB));
  if (fields.quota.trim() === '' || !Number.isFinite(quota) || quota <= 0)
    errors.quota = 'a size, e.g. 2 GiB';
  else if (quotaBytes < MIN_QUOTA_BYTES) errors.quota = 'at least 16 MiB';
  else if (!Number.isSafeInteger(quotaBytes)) errors.quota = 'too large';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const checked = RetentionSchema.safeParse({ ...days, quotaBytes });
  if (!checked.success)
    return { ok: false, errors: { quota: plainMessage(checked.error.issues[0]!, RetentionSchema) } };
  return { ok: true, retention: checked.data };
}
