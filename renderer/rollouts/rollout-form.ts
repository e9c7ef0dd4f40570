/**
 * The create-rollout form's text fields, turned into a campaign config with plain-words
 * errors per field; the engine validates again on its side.
 */
import { type CampaignConfigInput, CampaignConfigSchema } from '../../common/rollout-contract';

export interface RolloutFields {
  name: string;
  sha256: string;
  version: string;
  site: string;
  profile: string;
  tag: string;
  currentVersion: string;
  waves: string;
  successPct: string;
  failCount: string;
  failPct: string;
  minExecuted: string;
  soakMin: string;
  timeoutMin: string;
  windowStart: string;
  windowEnd: string;
}

export const EMPTY_FIELDS: RolloutFields = {
  name: '',
  sha256: '',
  version: '',
  site: '',
  profile: '',
  tag: '',
  currentVersion: '',
  waves: '1, 10, 50, 100',
  successPct: '90',
  failCount: '5',
  failPct: '20',
  minExecuted: '1',
  soakMin: '10',
  timeoutMin: '30',
  windowStart: '',
  windowEnd: '',
};

export type FieldErrors = Partial<Record<keyof RolloutFields, string>>;

function number(text: string): number {
  return text.trim() === '' ? Number.NaN : Number(text.trim());
}

const optional = (text: string) => (text.trim() === '' ? undefined : text.trim());

export function parseRolloutFields(
  f: RolloutFields,
): { ok: true; config: CampaignConfigInput } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const waves = f.waves
    .split(/[,\s]+/)
    .filter((w) => w !== '')
    .map((w) => Number(w.replace(/%$/, '')));
  if (waves.length === 0 || waves.some((w) => !Number.isFinite(w) || w <= 0 || w > 100))
    errors.waves = 'percentages from 1 to 100, like "1, 10, 50, 100"';
  else if (waves.some((w, i) => i > 0 && w <= (waves[i - 1] ?? 0)) || waves.at(-1) !== 100)
    errors.waves = 'each wave reaches more of the fleet than the one before, the last 100';
  const pct = (key: keyof RolloutFields, text: string) => {
    const v = number(text);
    if (!Number.isFinite(v) || v < 0 || v > 100) errors[key] = 'a percentage from 0 to 100';
    return v;
  };
  const whole = (key: keyof RolloutFields, text: string, min: number) => {
    const v = number(text);
    if (!Number.isInteger(v) || v < min) errors[key] = `a whole number, at least ${min}`;
    return v;
  };
  const minutes = (key: keyof RolloutFields, text: string) => {
    const v = number(text);
    if (!Number.isFinite(v) || v <= 0 || v > 7 * 24 * 60)
      errors[key] = 'minutes, more than 0 and at most a week';
    return Math.max(1, Math.round(v * 60_000));
  };
  const successThresholdPct = pct('successPct', f.successPct);
  const failPct = pct('failPct', f.failPct);
  if (!errors.failPct && failPct === 0) errors.failPct = 'a percentage above 0';
  const count = whole('failCount', f.failCount, 1);
  const minExecuted = whole('minExecuted', f.minExecuted, 1);
  const soakMs = minutes('soakMin', f.soakMin);
  const deviceTimeoutMs = minutes('timeoutMin', f.timeoutMin);
  const hhmm = /^([01]\d|2[0-3]):[0-5]\d$/;
  const start = f.windowStart.trim();
  const end = f.windowEnd.trim();
  if ((start === '') !== (end === '')) errors.windowEnd = 'give both ends of the window, or neither';
  else if (start !== '' && !hhmm.test(start)) errors.windowStart = 'a time like 22:00 (UTC)';
  else if (end !== '' && !hhmm.test(end)) errors.windowEnd = 'a time like 04:00 (UTC)';
  const config: CampaignConfigInput = {
    name: f.name.trim(),
    firmware: { sha256: f.sha256.trim().toLowerCase(), version: f.version.trim() },
    filter: {
      site: optional(f.site),
      profile: optional(f.profile),
      tag: optional(f.tag),
      currentVersion: optional(f.currentVersion),
    },
    waves,
    maintenanceWindow: start && end ? { start, end } : null,
    successThresholdPct,
    failureThreshold: { count, pct: failPct, minExecuted },
    soakMs,
    deviceTimeoutMs,
  };
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const parsed = CampaignConfigSchema.safeParse(config);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.join('.');
      if (path === 'name') errors.name = 'give the rollout a name';
      else if (path === 'firmware.sha256') errors.sha256 = 'the image SHA-256: 64 hex digits';
      else if (path === 'firmware.version') errors.version = 'the version the image carries, e.g. 1.2.0';
      else errors.name ??= `${path}: ${issue.message}`;
    }
    return { ok: false, errors };
  }
  return { ok: true, config };
}
