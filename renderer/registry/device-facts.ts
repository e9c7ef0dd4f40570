/**
 * Registry facts as text: lifecycle moves a device may make, how soon a credential
 * expires (warning under 30 days), health figures, and the edit form's fields parsed
 * against the contract so a mistake is named at its field before anything is sent.
 */

import {
  LIFECYCLE_TRANSITIONS,
  type Lifecycle,
  type RegistryDevice,
  RegistryUpdateSchema,
} from '../../common/registry-contract';
import { plainMessage } from '../../common/validation-messages';

export const EXPIRY_WARN_DAYS = 30;
const DAY_MS = 86_400_000;

export function allowedTransitions(from: Lifecycle): readonly Lifecycle[] {
  return LIFECYCLE_TRANSITIONS[from] ?? [];
}

export type ExpiryLevel = 'ok' | 'warn' | 'expired' | 'none';

export interface Expiry {
  level: ExpiryLevel;
  text: string;
}

export function expiryOf(expires: number | null, now: number): Expiry {
  if (expires === null) return { level: 'none', text: 'no expiry' };
  const days = (expires - now) / DAY_MS;
  if (days <= 0) {
    const ago = Math.floor(-days);
    return { level: 'expired', text: ago === 0 ? 'expired today' : `expired ${ago} d ago` };
  }
  const whole = Math.floor(days);
  const text = whole === 0 ? 'expires within a day' : `expires in ${whole} d`;
  return { level: days < EXPIRY_WARN_DAYS ? 'warn' : 'ok', text };
}

export function formatUptime(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min ${s % 60} s`;
  return `${s} s`;
}

export function formatRssi(rssi: number | null): string {
  return rssi === null || !Number.isFinite(rssi) ? '—' : `${Math.round(rssi)} dBm`;
}

export function formatBattery(battery: number | null): string {
  return battery === null || !Number.isFinite(battery) ? '—' : `${Math.round(battery)} %`;
}

/** Tags typed as text: separated by commas or spaces, duplicates and empties dropped. */
export function parseTags(text: string): string[] {
  const seen = new Set<string>();
  for (const tag of text.split(/[\s,]+/)) if (tag !== '') seen.add(tag);
  return [...seen];
}

export interface DeviceEditFields {
  name: string;
  site: string;
  tags: string;
  /** a profile id, or '' for none */
  profile: string;
}

export type DeviceEditErrors = Partial<Record<keyof DeviceEditFields, string>>;

export function editFieldsFrom(device: RegistryDevice): DeviceEditFields {
  return {
    name: device.name,
    site: device.site ?? '',
    tags: device.tags.join(', '),
    profile: device.profile,
  };
}

export type DeviceUpdate = {
  deviceId: string;
  name?: string;
  site?: string | null;
  tags?: string[];
  profile?: string;
};

/** Only what changed is sent, so two people editing different fields do not undo each other. */
export function parseDeviceEdit(
  device: RegistryDevice,
  fields: DeviceEditFields,
): { ok: true; update: DeviceUpdate; changed: boolean } | { ok: false; errors: DeviceEditErrors } {
  const update: DeviceUpdate = { deviceId: device.id };
  const name = fields.name.trim();
  if (name === '') return { ok: false, errors: { name: 'a device needs a name' } };
  if (name !== device.name) update.name = name;
  const site = fields.site.trim() === '' ? null : fields.site.trim();
  if (site !== device.site) update.site = site;
  const tags = parseTags(fields.tags);
  if (tags.join('\u0000') !== device.tags.join('\u0000')) update.tags = tags;
  if (fields.profile !== device.profile) update.profile = fields.profile;
  const checked = RegistryUpdateSchema.safeParse(update);
  if (!checked.success) {
    const errors: DeviceEditErrors = {};
    for (const issue of checked.error.issues) {
      const field = issue.path[0];
      if ((field === 'name' || field === 'site' || field === 'tags') && !errors[field]) {
        const item = issue.path.length > 1 && typeof issue.path[1] === 'number' ? tags[issue.path[1]] : null;
        const message = plainMessage(issue, RegistryUpdateSchema);
        errors[field] = item ? `“${item}”: ${message}` : message;
      }
    }
    if (Object.keys(errors).length === 0) {
      const first = checked.error.issues[0];
      errors.name = first ? plainMessage(first, RegistryUpdateSchema) : 'not a valid value';
    }
    return { ok: false, errors };
  }
  return { ok: true, update, changed: Object.keys(update).length > 1 };
}
