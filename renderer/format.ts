/**
 * Text for numbers and times in tables. Kept pure and in one place so every view says
 * "3 s ago" or "21.4 °C" the same way, and so the rules can be tested without a DOM.
 */

/** How long ago, compact: "0.4 s ago", "12 s ago", "3 min ago", "5 h ago", "2 d ago". */
export function formatAgo(then: number | null, now: number): string {
  if (then === null) return 'never';
  // a device or host clock slightly ahead must not read as "in the future"
  const ms = Math.max(0, now - then);
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s ago`;
  if (ms < 60_000) return `${Math.floor(ms / 1000)} s ago`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ago`;
  if (ms < 172_800_000) return `${Math.floor(ms / 3_600_000)} h ago`;
  return `${Math.floor(ms / 86_400_000)} d ago`;
}

/** A reading's value with about four significant digits, never in exponent form. */
export function formatValue(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '—';
  if (Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return value.toFixed(0);
  if (magnitude >= 100) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  if (magnitude >= 0.001) return value.toFixed(4).replace(/0+$/, '');
  return value.toFixed(6).replace(/0+$/, '').replace(/\.$/, '') || '0';
}

export function formatWithUnit(value: number | null, unit: string): string {
  const text = formatValue(value);
  if (value === null || unit === '') return text;
  return `${text} ${unit}`;
}

/** Counters: digits grouped with thin spaces, the same in every locale. */
export function formatCount(n: number): string {
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, '\u2009');
}

/** Up to one decimal, and none when it would be ".0": 2.5, 12, 120. */
function compact(n: number): string {
  const rounded = n >= 10 ? Math.round(n) : Math.round(n * 10) / 10;
  return String(rounded);
}

/** A window length for captions: "30 s", "5 min", "1.5 h", "7 d". */
export function formatSpan(ms: number): string {
  if (ms < 60_000) return `${compact(ms / 1000)} s`;
  if (ms < 3_600_000) return `${compact(ms / 60_000)} min`;
  if (ms < 86_400_000) return `${compact(ms / 3_600_000)} h`;
  return `${compact(ms / 86_400_000)} d`;
}

/** Sizes on disk, in binary units as file managers on Linux and Windows count them. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${compact(value)} ${units[unit]}`;
}

/** How far a device clock is off: "+2.3 s" (ahead), "-40 min" (behind). */
export function formatSkew(ms: number): string {
  const size = Math.abs(ms);
  // what rounds to zero has no direction: "+0.0 s", never "-0.0 s"
  const sign = ms < 0 && size >= 50 ? '-' : '+';
  if (size < 60_000) return `${sign}${(size / 1000).toFixed(1)} s`;
  return `${sign}${formatSpan(size)}`;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Local time, sortable and unambiguous: "2024-05-01 14:03:22" (".250" when asked). */
export function formatDateTime(ts: number, withMs = false): string {
  const d = new Date(ts);
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return `${date} ${time}${withMs ? `.${pad(d.getMilliseconds(), 3)}` : ''}`;
}

/** A fixed chart window: the date once when both ends share it, milliseconds when it is narrow. */
export function formatRange(from: number, to: number): string {
  const withMs = to - from < 10_000;
  const start = formatDateTime(from, withMs);
  const end = formatDateTime(to, withMs);
  const sameDay = start.slice(0, 10) === end.slice(0, 10);
  return `${start} – ${sameDay ? end.slice(11) : end}`;
}

const RESOLUTION_LABELS: Record<string, string> = {
  raw: 'raw readings',
  '1m': '1-minute rollups',
  '1h': '1-hour rollups',
  '1d': '1-day rollups',
};

export function formatResolution(resolution: string): string {
  return RESOLUTION_LABELS[resolution] ?? resolution;
}
