/**
 * What the backtest and the KPI page say: summaries in plain words, backtest episodes as
 * chart marks, and the alarm rate judged against ISA-18.2 / EEMUA 191. Pure, so the page and
 * its tests read the same sentences.
 */
import type { AlarmKpis, BacktestResult } from '../../common/alarm-contract';
import { formatCount, formatSpan } from '../format';
import type { Episode } from './alarm-marks';

const DAY = 86_400_000;
export const ANALYSIS_RANGES = [
  { id: '24h', label: 'last 24 h', ms: DAY },
  { id: '7d', label: 'last 7 d', ms: 7 * DAY },
  { id: '30d', label: 'last 30 d', ms: 30 * DAY },
] as const;
export type AnalysisRange = (typeof ANALYSIS_RANGES)[number]['id'];

export function rangeMs(id: AnalysisRange): number {
  return ANALYSIS_RANGES.find((r) => r.id === id)?.ms ?? DAY;
}

const plural = (n: number, word: string) => `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;

/** "3 episodes, 6 notifications, 1 chattering" */
export function backtestSummary(r: BacktestResult): string {
  return `${plural(r.episodes.length, 'episode')}, ${plural(r.notifications, 'notification')}, ${formatCount(r.chattering)} chattering`;
}

/** how the answer was reached: "from 86 400 readings (raw) in 12 ms" */
export function backtestBasis(r: BacktestResult): string {
  const from =
    r.resolution === 'raw'
      ? 'raw readings'
      : `raw readings and ${r.resolution} rollups beyond the raw history`;
  return `${plural(r.readings, 'reading')} judged (${from}) in ${Math.round(r.elapsedMs)} ms`;
}

/** the backtest's episodes of one series, as the chart overlay draws episodes */
export function backtestMarks(
  r: BacktestResult,
  ruleId: string,
  deviceId: string,
  metric: string,
): Episode[] {
  return r.episodes
    .filter((e) => e.deviceId === deviceId && e.metric === metric)
    .map((e, i) => ({
      episodeId: `backtest-${i}`,
      ruleId,
      start: e.start,
      end: e.end,
      severity: e.severity,
      late: false,
    }));
}

export type RateVerdict = 'ok' | 'manageable' | 'over';

/** ISA-18.2 §16.5 / EEMUA 191: ~1 alarm per 10 minutes is acceptable, 2 is the most manageable */
export function rateVerdict(perTenMinutes: number): RateVerdict {
  if (perTenMinutes <= 1) return 'ok';
  if (perTenMinutes <= 2) return 'manageable';
  return 'over';
}

export function rateVerdictText(v: RateVerdict): string {
  if (v === 'ok') return 'within the ISA-18.2 target of 1 per 10 min';
  if (v === 'manageable') return 'above the target of 1, still manageable (at most 2)';
  return 'above what an operator can manage (more than 2 per 10 min)';
}

export function formatAckTime(ms: number | null): string {
  return ms === null ? 'no acknowledgements' : formatSpan(ms);
}

/** the KPI figures as label → value rows, in the order the page shows them */
export function kpiRows(k: AlarmKpis): { label: string; value: string; testId: string }[] {
  const rate = (n: number) => (Math.round(n * 100) / 100).toString();
  return [
    { label: 'Alarms per 10 min (average)', value: rate(k.perTenMinutes), testId: 'kpi-rate' },
    { label: 'Peak in one 10 min period', value: formatCount(k.peakPerTenMinutes), testId: 'kpi-peak' },
    { label: 'Time in flood (> 10 in 10 min)', value: `${rate(k.floodPercent)} %`, testId: 'kpi-flood' },
    { label: 'Chattering alarms (3+ in 60 s)', value: formatCount(k.chattering), testId: 'kpi-chattering' },
    { label: 'Stale (active > 24 h)', value: formatCount(k.stale), testId: 'kpi-stale' },
    { label: 'Shelved now', value: formatCount(k.shelved), testId: 'kpi-shelved' },
    { label: 'Out of service now', value: formatCount(k.outOfService), testId: 'kpi-oos' },
    { label: 'Time to acknowledge, median', value: formatAckTime(k.ackP50Ms), testId: 'kpi-ack-p50' },
    {
      label: 'Time to acknowledge, 90th percentile',
      value: formatAckTime(k.ackP90Ms),
      testId: 'kpi-ack-p90',
    },
  ];
}
