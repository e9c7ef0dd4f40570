/**
 * The serial monitor's "Lines" view: received chunks joined into whole lines (a UART cuts
 * them anywhere), each marked as a firmware log line with its level or as data, so boot
 * banners and warnings read as logs and can be filtered apart from the telemetry.
 */
import { type FirmwareLogLine, type LogLevel, parseFirmwareLogLine } from '../../common/firmware-log-line';
import type { LogChunk } from './serial-log';

export interface MonitorLine {
  /** React key: the chunk that ended the line, and the line's place in it */
  key: string;
  direction: 'rx' | 'tx';
  /** host time of the chunk that completed the line */
  ts: number;
  /** the line without ANSI colour codes and line end */
  text: string;
  log: FirmwareLogLine | null;
}

export const LINE_FILTERS = ['all', 'data', 'logs', 'problems'] as const;
export type LineFilter = (typeof LINE_FILTERS)[number];
export const LINE_FILTER_LABELS: Record<LineFilter, string> = {
  all: 'All lines',
  data: 'Data only',
  logs: 'Log lines only',
  problems: 'Warnings and errors',
};

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes and control bytes are stripped
const NOT_SHOWN = /\u001b\[[0-9;]*[A-Za-z]|[\u0000-\u0008\u000b-\u001f\u007f]/g;
const PROBLEM_LEVELS: ReadonlySet<LogLevel> = new Set(['error', 'warn']);

function line(key: string, direction: MonitorLine['direction'], ts: number, raw: string): MonitorLine {
  return { key, direction, ts, text: raw.replace(NOT_SHOWN, ''), log: parseFirmwareLogLine(raw) };
}

/** Whole lines from the chunks, oldest first; an unfinished last rx line is included as it stands. */
export function monitorLines(log: readonly LogChunk[]): MonitorLine[] {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  const out: MonitorLine[] = [];
  let pending = '';
  let pendingTs = 0;
  for (const c of log) {
    if (c.direction === 'tx') {
      out.push(line(`${c.seq}`, 'tx', c.ts, new TextDecoder().decode(c.bytes).replace(/\r?\n$/, '')));
      continue;
    }
    const parts = (pending + decoder.decode(c.bytes, { stream: true })).split('\n');
    pending = parts.pop() ?? '';
    pendingTs = c.ts;
    parts.forEach((p, i) => {
      out.push(line(`${c.seq}.${i}`, 'rx', c.ts, p.endsWith('\r') ? p.slice(0, -1) : p));
    });
  }
  if (pending.length > 0) out.push(line('pending', 'rx', pendingTs, pending));
  return out;
}

export function filterLines(lines: readonly MonitorLine[], filter: LineFilter): readonly MonitorLine[] {
  switch (filter) {
    case 'all':
      return lines;
    case 'data':
      return lines.filter((l) => l.log === null);
    case 'logs':
      return lines.filter((l) => l.log !== null);
    case 'problems':
      return lines.filter((l) => l.log !== null && PROBLEM_LEVELS.has(l.log.level));
  }
}
