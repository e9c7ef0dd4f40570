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

/** A window length for buttons and captions: "1 min", "5 min", "1 h". */
export function formatSpan(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}
