/**
 * What a device chart draws for alarms: the limit and clear lines of the threshold rules
 * on its metric, and the episodes (active spans) from the transition journal. Pure, so the
 * drawing plugin and the text alternative say the same thing.
 */
import type { AlarmTransition, Rule, Severity } from '../../common/alarm-contract';
import { formatDateTime } from '../format';
import { severityRank, severityWord } from './alarm-words';

export interface LimitLine {
  value: number;
  /** limit: where the alarm is raised; clear: where it returns (limit minus the deadband) */
  kind: 'limit' | 'clear';
  side: 'above' | 'below';
  severity: Severity;
  ruleName: string;
}

export interface Episode {
  episodeId: string;
  ruleId: string;
  /** device time it became active */
  start: number;
  /** device time the condition cleared; null while still active */
  end: number | null;
  severity: Severity;
  late: boolean;
}

/** a limit as the rule's author typed it (31.6, not the table format's 31.60) */
export const formatLimit = (value: number): string => String(Number(value.toPrecision(12)));

export interface Limit {
  value: number;
  deadband: number;
  deadbandPercent: boolean;
}

/** where an alarm past `limit` clears: back inside by the deadband; null without one */
export function clearValue(limit: Limit, side: 'above' | 'below'): number | null {
  const band = limit.deadbandPercent ? Math.abs(limit.value) * (limit.deadband / 100) : limit.deadband;
  if (band <= 0) return null;
  return side === 'above' ? limit.value - band : limit.value + band;
}

/** Only threshold rules have limits in the metric's own units; other kinds draw no lines. */
export function limitLines(rules: readonly Rule[], metric: string): LimitLine[] {
  const lines: LimitLine[] = [];
  for (const rule of rules) {
    if (rule.condition.kind !== 'threshold' || rule.target.metric !== metric || !rule.enabled) continue;
    for (const level of rule.condition.levels) {
      for (const side of ['above', 'below'] as const) {
        const limit = level[side];
        if (!limit) continue;
        const base = { side, severity: level.severity, ruleName: rule.name };
        lines.push({ ...base, kind: 'limit', value: limit.value });
        const clear = clearValue(limit, side);
        if (clear !== null) lines.push({ ...base, kind: 'clear', value: clear });
      }
    }
  }
  return lines;
}

const ACTIVE = new Set(['active_unack', 'active_ack']);
const CLEARED = new Set(['rtn_unack', 'normal']);

/**
 * Episodes of the device's alarms on `metric` (and its device-wide ones, such as offline),
 * oldest first. The journal comes newest first; an episode runs from the first transition
 * into an active state to the first one out of it to returned or normal.
 */
export function episodesOf(transitions: readonly AlarmTransition[], metric: string): Episode[] {
  const byEpisode = new Map<string, AlarmTransition[]>();
  for (const t of transitions) {
    if (t.episodeId === null || (t.metric !== null && t.metric !== metric)) continue;
    const list = byEpisode.get(t.episodeId) ?? [];
    list.push(t);
    byEpisode.set(t.episodeId, list);
  }
  const episodes: Episode[] = [];
  for (const [episodeId, list] of byEpisode) {
    list.sort((a, b) => a.seq - b.seq);
    const start = list.find((t) => ACTIVE.has(t.to));
    if (!start) continue;
    const end = list.find((t) => t.seq > start.seq && ACTIVE.has(t.from) && CLEARED.has(t.to));
    let severity: Severity = start.severity ?? 'info';
    for (const t of list) if (severityRank(t.severity) > severityRank(severity)) severity = t.severity!;
    episodes.push({
      episodeId,
      ruleId: start.ruleId,
      start: start.deviceTime,
      end: end?.deviceTime ?? null,
      severity,
      late: list.some((t) => t.late),
    });
  }
  return episodes.sort((a, b) => a.start - b.start);
}

/** the episodes that overlap [from, to] */
export function episodesIn(episodes: readonly Episode[], from: number, to: number): Episode[] {
  return episodes.filter((e) => e.start <= to && (e.end === null || e.end >= from));
}

/** The chart's text alternative: its limits, and its episodes in the window. */
export function marksText(lines: readonly LimitLine[], episodes: readonly Episode[], unit: string): string {
  const u = unit ? ` ${unit}` : '';
  const parts: string[] = [];
  const limits = lines.filter((l) => l.kind === 'limit');
  if (limits.length > 0) {
    parts.push(
      `Alarm limits: ${limits
        .map((l) => {
          const clear = lines.find(
            (c) =>
              c.kind === 'clear' &&
              c.ruleName === l.ruleName &&
              c.side === l.side &&
              c.severity === l.severity,
          );
          const clearText = clear
            ? `, clears ${l.side === 'above' ? 'below' : 'above'} ${formatLimit(clear.value)}${u}`
            : '';
          return `${severityWord(l.severity)} ${l.side} ${formatLimit(l.value)}${u}${clearText} (${l.ruleName})`;
        })
        .join('; ')}.`,
    );
  }
  if (episodes.length === 0) parts.push('No alarm episodes in view.');
  else {
    const shown = episodes.slice(-5).map((e) => {
      const until = e.end === null ? 'still active' : `to ${formatDateTime(e.end)}`;
      return `${severityWord(e.severity)} from ${formatDateTime(e.start)} ${until}${e.late ? ' (late data)' : ''}`;
    });
    const more = episodes.length > 5 ? ` (the last 5 of ${episodes.length})` : '';
    parts.push(`Alarm episodes in view${more}: ${shown.join('; ')}.`);
  }
  return parts.join(' ');
}

/**
 * The value span a chart shows once limits are taken in: `all` takes every limit (the rule
 * editor's preview, where the limit is the point); `near` only those within one data span
 * of the data, so a far limit does not flatten the trace (it is named in the caption).
 * null data bounds: no data yet, the limits alone.
 */
export function spanWithLimits(
  min: number | null,
  max: number | null,
  limits: readonly number[],
  mode: 'all' | 'near',
): [number, number] | null {
  if (min === null || max === null) {
    if (limits.length === 0) return null;
    return [Math.min(...limits), Math.max(...limits)];
  }
  const reach = Math.max(max - min, Math.abs(max) * 0.1, 1e-9);
  let lo = min;
  let hi = max;
  for (const v of limits) {
    if (mode === 'near' && (v < min - reach || v > max + reach)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return [lo, hi];
}
