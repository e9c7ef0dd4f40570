/**
 * The wizard's forms: text fields per step, pre-filled from the session (so a resumed or
 * batch session shows what it already has), parsed with the contract's own schemas into
 * the step's input. Each mistake is named at its field before anything is sent; the
 * engine checks again.
 */

import type { z } from 'zod';
import {
  type CommissioningSession,
  CredentialsInputSchema,
  DetailsInputSchema,
  NetworkInputSchema,
  RecordInputSchema,
  type StepInput,
  VerifyInputSchema,
} from '../../common/commissioning-contract';
import { plainMessage } from '../../common/validation-messages';
import { type LinkFields, linkFieldsFrom, parseLink } from '../devices/link-fields';
import { parseTags } from '../registry/device-facts';

export type Errors<F> = Partial<Record<keyof F & string, string>>;
export type Parsed<F, R> = { ok: true; value: R } | { ok: false; errors: Errors<F> };

/**
 * Maps a schema's issues to the form's fields, in plain words with the schema's allowed
 * range; an issue on an unknown path goes to `fallback`.
 */
function errorsFrom<F>(
  schema: z.ZodType,
  error: z.ZodError,
  fields: readonly (keyof F & string)[],
  fallback: keyof F & string,
  rename: Partial<Record<string, keyof F & string>> = {},
): Errors<F> {
  const errors: Errors<F> = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? '');
    const field =
      rename[key] ?? (fields.includes(key as keyof F & string) ? (key as keyof F & string) : fallback);
    if (!errors[field]) errors[field] = plainMessage(issue, schema);
  }
  return errors;
}

function wholeNumber(text: string): number | null {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : null;
}

// --- connect -------------------------------------------------------------------------

/** The Connect step's fields are the shared link picker's. */
export type ConnectFields = LinkFields;

export function connectFieldsFrom(session: CommissioningSession | null): ConnectFields {
  return linkFieldsFrom(session?.link);
}

export function parseConnect(f: ConnectFields): Parsed<ConnectFields, StepInput> {
  const parsed = parseLink(f);
  return parsed.ok ? { ok: true, value: { step: 'connect', link: parsed.link } } : parsed;
}

// --- details -------------------------------------------------------------------------

export interface DetailsFields {
  deviceId: string;
  name: string;
  site: string;
  profile: string;
  tags: string;
}

/** A device id from what the device said about itself, cleaned to the contract's alphabet. */
export function suggestDeviceId(session: CommissioningSession): string {
  const identity = session.identity;
  if (identity?.existingDeviceId) return identity.existingDeviceId;
  const base = [identity?.model, identity?.serialNumber ?? identity?.mac]
    .filter((part): part is string => !!part)
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/-+$/, '')
    .slice(0, 64);
  return base;
}

export function detailsFieldsFrom(session: CommissioningSession): DetailsFields {
  // what this session has, else what the batch carried over from the previous device
  const d = session.details ?? session.carried?.details ?? null;
  if (d)
    return { deviceId: d.deviceId, name: d.name, site: d.site, profile: d.profile, tags: d.tags.join(', ') };
  const id = suggestDeviceId(session);
  return { deviceId: id, name: id, site: '', profile: '', tags: '' };
}

export function parseDetails(f: DetailsFields): Parsed<DetailsFields, StepInput> {
  if (f.profile.trim() === '') return { ok: false, errors: { profile: 'choose a device profile' } };
  const checked = DetailsInputSchema.safeParse({
    deviceId: f.deviceId.trim(),
    name: f.name,
    site: f.site,
    profile: f.profile.trim(),
    tags: parseTags(f.tags),
  });
  if (!checked.success)
    return {
      ok: false,
      errors: errorsFrom<DetailsFields>(
        DetailsInputSchema,
        checked.error,
        ['deviceId', 'name', 'site', 'profile', 'tags'],
        'name',
      ),
    };
  return { ok: true, value: { step: 'details', input: checked.data } };
}

// --- credentials ---------------------------------------------------------------------

export interface CredentialsFields {
  kind: 'x509' | 'psk';
  validityDays: string;
}

export function credentialsFieldsFrom(session: CommissioningSession): CredentialsFields {
  const carried = session.carried?.credentials ?? null;
  return {
    kind: session.credentials?.kind ?? carried?.kind ?? 'x509',
    validityDays: String(carried?.validityDays ?? 825),
  };
}

export function parseCredentials(f: CredentialsFields): Parsed<CredentialsFields, StepInput> {
  const days = wholeNumber(f.validityDays);
  if (days === null) return { ok: false, errors: { validityDays: 'a whole number of days' } };
  const checked = CredentialsInputSchema.safeParse({ kind: f.kind, validityDays: days });
  if (!checked.success)
    return {
      ok: false,
      errors: errorsFrom<CredentialsFields>(
        CredentialsInputSchema,
        checked.error,
        ['kind', 'validityDays'],
        'validityDays',
      ),
    };
  return { ok: true, value: { step: 'credentials', input: checked.data } };
}

// --- network -------------------------------------------------------------------------

export interface NetworkFields {
  ssid: string;
  password: string;
  /** use the password sealed earlier in this session or batch; it never comes back to the UI */
  reusePassword: boolean;
  brokerUrl: string;
  reportingIntervalS: string;
}

/**
 * Whether the engine holds a Wi-Fi password worth offering again: sealed when this step
 * ran, or for the batch's previous device. Not after this step failed: the password sealed
 * then may be the one the device refused.
 */
export function canReusePassword(session: CommissioningSession): boolean {
  if (session.steps.network.state === 'failed') return false;
  return session.network !== null || session.carried?.network?.hasPassword === true;
}

export function networkFieldsFrom(session: CommissioningSession): NetworkFields {
  const n = session.network ?? session.carried?.network ?? null;
  return {
    ssid: n?.ssid ?? '',
    password: '',
    reusePassword: canReusePassword(session),
    brokerUrl: n?.brokerUrl ?? '',
    reportingIntervalS: String(n?.reportingIntervalS ?? 10),
  };
}

export function parseNetwork(f: NetworkFields): Parsed<NetworkFields, StepInput> {
  const interval = wholeNumber(f.reportingIntervalS);
  if (interval === null) return { ok: false, errors: { reportingIntervalS: 'a whole number of seconds' } };
  const checked = NetworkInputSchema.safeParse({
    ssid: f.ssid,
    ...(f.reusePassword ? {} : { password: f.password }),
    brokerUrl: f.brokerUrl.trim(),
    reportingIntervalS: interval,
  });
  if (!checked.success)
    return {
      ok: false,
      errors: errorsFrom<NetworkFields>(
        NetworkInputSchema,
        checked.error,
        ['ssid', 'password', 'brokerUrl', 'reportingIntervalS'],
        'brokerUrl',
      ),
    };
  return { ok: true, value: { step: 'network', input: checked.data } };
}

// --- verify and record ---------------------------------------------------------------

export interface VerifyFields {
  timeoutS: string;
}

export function parseVerify(f: VerifyFields): Parsed<VerifyFields, StepInput> {
  const timeoutS = wholeNumber(f.timeoutS);
  if (timeoutS === null) return { ok: false, errors: { timeoutS: 'a whole number of seconds' } };
  const checked = VerifyInputSchema.safeParse({ timeoutS });
  if (!checked.success)
    return {
      ok: false,
      errors: errorsFrom<VerifyFields>(VerifyInputSchema, checked.error, ['timeoutS'], 'timeoutS'),
    };
  return { ok: true, value: { step: 'verify', input: checked.data } };
}

export interface RecordFields {
  notes: string;
}

export function parseRecord(f: RecordFields): Parsed<RecordFields, StepInput> {
  const checked = RecordInputSchema.safeParse({ notes: f.notes });
  if (!checked.success)
    return {
      ok: false,
      errors: errorsFrom<RecordFields>(RecordInputSchema, checked.error, ['notes'], 'notes'),
    };
  return { ok: true, value: { step: 'record', input: checked.data } };
}
