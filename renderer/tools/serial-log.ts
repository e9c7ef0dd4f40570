/**
 * What the serial monitor keeps and shows: a bounded list of rx/tx chunks (the oldest go
 * first, so a chatty device cannot grow the page without limit), their bytes as text or
 * hex, and the text a "save log" writes.
 */
export interface LogChunk {
  /** monotonically increasing, a React key that survives trimming */
  seq: number;
  direction: 'rx' | 'tx';
  ts: number;
  bytes: Uint8Array;
}

export const MAX_LOG_CHUNKS = 5000;

export function decodeBase64(data: string): Uint8Array {
  const binary = atob(data);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Text with line ends and other control bytes made visible, so one chunk stays one log line. */
export function toVisibleText(bytes: Uint8Array): string {
  return utf8
    .decode(bytes)
    .replace(/\r/g, '\\r')
    .replace(/\n/g, '\\n')
    .replace(/\t/g, '\\t')
    .replace(/\p{Cc}/gu, '·');
}

export function formatLogTime(ts: number): string {
  const d = new Date(ts);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** Appends and trims in one go; returns a new array so React sees the change. */
export function appendChunks(
  log: readonly LogChunk[],
  more: readonly LogChunk[],
  max = MAX_LOG_CHUNKS,
): LogChunk[] {
  const next = log.concat(more);
  return next.length > max ? next.slice(next.length - max) : next;
}

/** The saved .log file: one line per chunk, ISO time, direction, text and hex. */
export function logFileText(log: readonly LogChunk[]): string {
  return log
    .map(
      (c) =>
        `${new Date(c.ts).toISOString()} ${c.direction.toUpperCase()} ${toVisibleText(c.bytes)} | ${toHex(c.bytes)}`,
    )
    .join('\n')
    .concat(log.length > 0 ? '\n' : '');
}
