/**
 * The shelve dialog's rule: a shelve always ends (ISA-18.2: shelving is temporary) and
 * always says why. The end is a preset span from now or a local date and time in the
 * future, at most 30 days ahead.
 */

export const SHELVE_PRESETS: readonly { label: string; ms: number }[] = [
  { label: '1 hour', ms: 3_600_000 },
  { label: '4 hours', ms: 4 * 3_600_000 },
  { label: '8 hours (a shift)', ms: 8 * 3_600_000 },
  { label: '24 hours', ms: 86_400_000 },
  { label: '7 days', ms: 7 * 86_400_000 },
];

export const MAX_SHELVE_MS = 30 * 86_400_000;

export interface ShelveFields {
  /** a preset's index as text, 'custom', or '' before a choice */
  expiry: string;
  /** <input type="datetime-local"> value, local time */
  until: string;
  reason: string;
}

export type ShelveErrors = Partial<Record<keyof ShelveFields, string>>;

export function readShelve(
  f: ShelveFields,
  now: number,
): { until: number; reason: string; errors: null } | { errors: ShelveErrors } {
  const errors: ShelveErrors = {};
  let until: number | null = null;
  if (f.expiry === '') errors.expiry = 'choose when the shelve ends';
  else if (f.expiry === 'custom') {
    // datetime-local has no zone: the browser's Date reads it as local time, as it was shown
    const at = f.until === '' ? Number.NaN : new Date(f.until).getTime();
    if (!Number.isFinite(at)) errors.until = 'a date and time';
    else if (at <= now) errors.until = 'a time in the future';
    else if (at - now > MAX_SHELVE_MS) errors.until = 'at most 30 days from now';
    else until = at;
  } else {
    const preset = SHELVE_PRESETS[Number(f.expiry)];
    if (preset) until = now + preset.ms;
    else errors.expiry = 'choose when the shelve ends';
  }
  const reason = f.reason.trim();
  if (reason === '') errors.reason = 'required: say why, for the next shift';
  else if (reason.length > 1000) errors.reason = 'at most 1000 characters';
  if (until === null || Object.keys(errors).length > 0) return { errors };
  return { until, reason, errors: null };
}
