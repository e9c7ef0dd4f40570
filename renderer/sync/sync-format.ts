/**
 * Text for the Sync panel's figures: backlog age, throughput, the bandwidth cap, and the
 * one-word health of a sink. Pure, so the rules are tested without a DOM.
 */
import type { SinkStatus, SyncSettings } from '../../common/sync-contract';
import { formatBytes, formatCount, formatDateTime } from '../format';

/** "2 h 05 min": an age precise enough to tell a stuck sink from a slow one, never "-1 s". */
export function formatAge(ms: number): string {
  const t = Math.max(0, ms);
  if (t < 10_000) return `${(t / 1000).toFixed(1)} s`;
  if (t < 60_000) return `${Math.floor(t / 1000)} s`;
  if (t < 3_600_000) {
    const min = Math.floor(t / 60_000);
    const s = Math.floor((t % 60_000) / 1000);
    return `${min} min ${String(s).padStart(2, '0')} s`;
  }
  if (t < 86_400_000) {
    const h = Math.floor(t / 3_600_000);
    const min = Math.floor((t % 3_600_000) / 60_000);
    return `${h} h ${String(min).padStart(2, '0')} min`;
  }
  const d = Math.floor(t / 86_400_000);
  const h = Math.floor((t % 86_400_000) / 3_600_000);
  return `${d} d ${h} h`;
}

/** How old the oldest undelivered entry is; "empty" when nothing waits. */
export function formatBacklogAge(backlog: SinkStatus['backlog'], now: number): string {
  if (backlog.readings + backlog.events + backlog.rollups === 0 || backlog.oldestAt === null) return 'empty';
  return formatAge(now - backlog.oldestAt);
}

/** "12 345 readings, 3 events, 2 rollup blocks" — the later parts only when there are any. */
export function formatBacklogSize(backlog: SinkStatus['backlog']): string {
  const parts = [`${formatCount(backlog.readings)} ${backlog.readings === 1 ? 'reading' : 'readings'}`];
  if (backlog.events > 0)
    parts.push(`${formatCount(backlog.events)} ${backlog.events === 1 ? 'event' : 'events'}`);
  if (backlog.rollups > 0) {
    parts.push(`${formatCount(backlog.rollups)} ${backlog.rollups === 1 ? 'rollup block' : 'rollup blocks'}`);
  }
  return parts.join(', ');
}

/** The Sync panel's word for what the outbox quota folded before this sink sent it; null for nothing. */
export function describeFolded(folded: SinkStatus['folded']): string | null {
  if (folded === null) return null;
  const n = `${formatCount(folded.readings)} ${folded.readings === 1 ? 'reading' : 'readings'}`;
  return (
    `The outbox was over its quota: raw readings from ${formatDateTime(folded.fromTs)} to ` +
    `${formatDateTime(folded.toTs)} were folded into 1-minute rollups (${n}, device time).`
  );
}

/** Readings per second: whole numbers from 10 up, one decimal below, "0" when idle. */
export function formatReadingRate(perS: number): string {
  if (!Number.isFinite(perS) || perS <= 0) return '0 readings/s';
  const text = perS >= 10 ? formatCount(Math.round(perS)) : String(Math.round(perS * 10) / 10);
  return `${text} readings/s`;
}

export function formatByteRate(perS: number): string {
  if (!Number.isFinite(perS) || perS <= 0) return '0 B/s';
  return `${formatBytes(Math.round(perS))}/s`;
}

/** Bytes on the wire per reading sent so far, the figure that says how well batches compress. */
export function formatBytesPerReading(delivered: SinkStatus['delivered']): string | null {
  if (delivered.readings === 0) return null;
  const per = delivered.bytes / delivered.readings;
  return `${per >= 10 ? Math.round(per) : per.toFixed(2)} B/reading`;
}

/** The last error still stands when no batch was delivered after it. */
export function errorIsCurrent(s: Pick<SinkStatus, 'lastError' | 'lastSuccessAt'>): boolean {
  return s.lastError !== null && (s.lastSuccessAt === null || s.lastError.at >= s.lastSuccessAt);
}

export type SinkHealth = 'connected' | 'disconnected' | 'failing' | 'paused' | 'stopped';

/**
 * One word for the sink's badge. "failing" is reachable but refusing or erroring (a 5xx,
 * a 429); "disconnected" is not reached at all (refused, timed out, no route).
 */
export function sinkHealth(s: SinkStatus): SinkHealth {
  if (!s.enabled || s.state === 'disabled') return 'paused';
  if (s.state === 'stopped') return 'stopped';
  if (!s.connected) return 'disconnected';
  if (errorIsCurrent(s) && s.state === 'backoff') return 'failing';
  return 'connected';
}

export const HEALTH_TEXT: Record<SinkHealth, string> = {
  connected: 'connected',
  disconnected: 'not connected',
  failing: 'failing',
  paused: 'paused',
  stopped: 'cannot start',
};

/** The badge class of the existing state palette (styles.css) for each health word. */
export const HEALTH_CLASS: Record<SinkHealth, string> = {
  connected: 'state-connected',
  disconnected: 'state-disconnected',
  failing: 'state-error',
  paused: 'state-offline',
  stopped: 'state-error',
};

const STATE_TEXT: Record<SinkStatus['state'], string> = {
  idle: 'up to date, waiting for data',
  sending: 'sending',
  backoff: 'waiting to retry',
  throttled: 'held back by the bandwidth cap',
  disabled: 'paused',
  stopped: 'not running (check its settings)',
};

/** What the runner is doing, with the retry countdown while it waits. */
export function describeState(s: SinkStatus, now: number): string {
  const text = STATE_TEXT[s.state];
  if (s.state === 'backoff' && s.nextAttemptAt !== null) {
    const wait = Math.max(0, s.nextAttemptAt - now);
    return `${text} in ${wait < 10_000 ? (wait / 1000).toFixed(1) : Math.round(wait / 1000)} s`;
  }
  return text;
}

// --- the bandwidth cap ------------------------------------------------------------------

export const RATE_UNITS = ['kbit/s', 'Mbit/s', 'KiB/s', 'MiB/s'] as const;
export type RateUnit = (typeof RATE_UNITS)[number];

/** bytes per second in one unit: links are sold in bits, files are counted in bytes */
const UNIT_BYTES: Record<RateUnit, number> = {
  'kbit/s': 1000 / 8,
  'Mbit/s': 1_000_000 / 8,
  'KiB/s': 1024,
  'MiB/s': 1024 * 1024,
};

export const MIN_CAP_BYTES = 1024;
export const MAX_CAP_BYTES = 10_000_000_000;

export interface SettingsFields {
  capped: boolean;
  cap: string;
  capUnit: RateUnit;
  metered: boolean;
  quota: string;
  quotaUnit: SizeUnit;
}

// --- the outbox quota -------------------------------------------------------------------

export const SIZE_UNITS = ['MiB', 'GiB'] as const;
export type SizeUnit = (typeof SIZE_UNITS)[number];
const SIZE_BYTES: Record<SizeUnit, number> = { MiB: 1024 ** 2, GiB: 1024 ** 3 };
export const MIN_QUOTA_BYTES = 16 * 1024 ** 2;
export const MAX_QUOTA_BYTES = 1024 ** 4;

/** The quota in GiB when it reads as a short number there ("1", "2.5"), else in MiB. */
function quotaFields(bytes: number): { quota: string; quotaUnit: SizeUnit } {
  const gib = bytes / SIZE_BYTES.GiB;
  if (gib >= 1 && Math.abs(gib * 100 - Math.round(gib * 100)) < 1e-6) {
    return { quota: String(Math.round(gib * 100) / 100), quotaUnit: 'GiB' };
  }
  return { quota: String(Math.round((bytes / SIZE_BYTES.MiB) * 100) / 100), quotaUnit: 'MiB' };
}

export function parseQuota(
  text: string,
  unit: SizeUnit,
): { ok: true; bytes: number } | { ok: false; error: string } {
  const t = text.trim();
  const n = Number(t);
  if (t === '' || !Number.isFinite(n) || n <= 0) {
    return { ok: false, error: 'the outbox quota must be a positive size, e.g. 1 GiB' };
  }
  const bytes = Math.round(n * SIZE_BYTES[unit]);
  if (bytes < MIN_QUOTA_BYTES) return { ok: false, error: 'the outbox quota must be at least 16 MiB' };
  if (bytes > MAX_QUOTA_BYTES) return { ok: false, error: 'the outbox quota must be at most 1 TiB' };
  return { ok: true, bytes };
}

export function formatQuota(bytes: number): string {
  return `outbox quota ${formatBytes(bytes)}`;
}

/** The form's fields for the engine's settings; the cap in the largest unit that reads as a short number. */
export function fieldsFromSettings(s: SyncSettings): SettingsFields {
  return { ...capFields(s), metered: s.metered, ...quotaFields(s.outboxQuotaBytes) };
}

function capFields(s: SyncSettings): Pick<SettingsFields, 'capped' | 'cap' | 'capUnit'> {
  const bytes = s.bandwidthBytesPerS;
  if (bytes === null) return { capped: false, cap: '', capUnit: 'kbit/s' };
  // a whole number in some unit first ("256 kbit/s", not "31.25 KiB/s"), then two decimals
  for (const decimals of [1, 100]) {
    for (const unit of ['MiB/s', 'Mbit/s', 'KiB/s', 'kbit/s'] as const) {
      const n = bytes / UNIT_BYTES[unit];
      if (n >= 1 && Math.abs(n * decimals - Math.round(n * decimals)) < 1e-6) {
        const cap = String(Math.round(n * decimals) / decimals);
        return { capped: true, cap, capUnit: unit };
      }
    }
  }
  return { capped: true, cap: String(bytes / UNIT_BYTES['KiB/s']), capUnit: 'KiB/s' };
}

export function parseSettingsFields(
  f: SettingsFields,
): { ok: true; settings: SyncSettings } | { ok: false; error: string } {
  const quota = parseQuota(f.quota, f.quotaUnit);
  if (!quota.ok) return quota;
  const rest = { metered: f.metered, outboxQuotaBytes: quota.bytes };
  if (!f.capped) return { ok: true, settings: { bandwidthBytesPerS: null, ...rest } };
  const text = f.cap.trim();
  const n = Number(text);
  if (text === '' || !Number.isFinite(n) || n <= 0) {
    return { ok: false, error: 'the cap must be a positive number, e.g. 256 kbit/s' };
  }
  const bytes = Math.round(n * UNIT_BYTES[f.capUnit]);
  if (bytes < MIN_CAP_BYTES) return { ok: false, error: 'the cap must be at least 1 KiB/s (8.2 kbit/s)' };
  if (bytes > MAX_CAP_BYTES) return { ok: false, error: 'the cap must be at most 10 GB/s' };
  return { ok: true, settings: { bandwidthBytesPerS: bytes, ...rest } };
}

export function formatCap(bytesPerS: number | null): string {
  return bytesPerS === null ? 'no cap' : `${formatBytes(bytesPerS)}/s`;
}

/** A down-synced document in a few words: "12 entries", "3 settings", never its raw JSON. */
export function describeDownData(data: unknown): string {
  if (Array.isArray(data)) return `${formatCount(data.length)} ${data.length === 1 ? 'entry' : 'entries'}`;
  if (typeof data === 'object' && data !== null) {
    const n = Object.keys(data).length;
    return `${formatCount(n)} ${n === 1 ? 'setting' : 'settings'}`;
  }
  return data === null || data === undefined ? 'empty' : typeof data;
}

/** An ETag without the quotes HTTP wraps it in (W/ kept: a weak version is worth knowing). */
export function formatEtag(etag: string): string {
  const m = /^(W\/)?"(.*)"$/.exec(etag);
  return m ? `${m[1] ?? ''}${m[2]}` : etag;
}
