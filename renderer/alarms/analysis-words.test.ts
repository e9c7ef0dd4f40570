import { describe, expect, test } from 'vitest';
import type { AlarmKpis, BacktestResult } from '../../common/alarm-contract';
import {
  backtestBasis,
  backtestMarks,
  backtestSummary,
  kpiRows,
  rateVerdict,
  rateVerdictText,
} from './analysis-words';

const result: BacktestResult = {
  episodes: [
    { deviceId: 'b1', metric: 'temperature', start: 1000, end: 2000, severity: 'high', chattering: false },
    {
      deviceId: 'b2',
      metric: 'temperature',
      start: 1500,
      end: null,
      severity: 'critical',
      chattering: false,
    },
    { deviceId: 'b1', metric: 'temperature', start: 2050, end: null, severity: 'warning', chattering: true },
  ],
  notifications: 4,
  chattering: 1,
  readings: 86_400,
  resolution: '1m',
  elapsedMs: 12.4,
};

describe('backtest words', () => {
  test('the summary the editor shows before saving', () => {
    expect(backtestSummary(result)).toBe('3 episodes, 4 notifications, 1 chattering');
    expect(
      backtestSummary({ ...result, episodes: [result.episodes[0]!], notifications: 1, chattering: 0 }),
    ).toBe('1 episode, 1 notification, 0 chattering');
    expect(backtestBasis(result)).toBe(
      '86\u2009400 readings judged (raw readings and 1m rollups beyond the raw history) in 12 ms',
    );
  });

  test('only the charted series’ episodes become marks, open ones stay open', () => {
    const marks = backtestMarks(result, 'hot', 'b1', 'temperature');
    expect(marks.map((m) => [m.start, m.end, m.severity, m.ruleId])).toEqual([
      [1000, 2000, 'high', 'hot'],
      [2050, null, 'warning', 'hot'],
    ]);
    expect(backtestMarks(result, 'hot', 'b1', 'pressure')).toEqual([]);
  });
});

describe('KPI words', () => {
  test('the alarm rate is judged against ISA-18.2’s 1 and 2 per 10 minutes', () => {
    expect([0, 1, 1.01, 2, 2.5].map(rateVerdict)).toEqual(['ok', 'ok', 'manageable', 'manageable', 'over']);
    expect(rateVerdictText('ok')).toMatch(/target of 1/);
  });

  test('every figure has a row; missing ack times say so', () => {
    const k: AlarmKpis = {
      from: 0,
      to: 1,
      perTenMinutes: 0.333333,
      peakPerTenMinutes: 12,
      floodPercent: 4.1666,
      topBadActors: [],
      chattering: 2,
      stale: 1,
      shelved: 0,
      outOfService: 3,
      bySeverity: {},
      ackP50Ms: 90_000,
      ackP90Ms: null,
    };
    const rows = Object.fromEntries(kpiRows(k).map((r) => [r.testId, r.value]));
    expect(rows).toMatchObject({
      'kpi-rate': '0.33',
      'kpi-peak': '12',
      'kpi-flood': '4.17 %',
      'kpi-oos': '3',
      'kpi-ack-p50': '1.5 min',
      'kpi-ack-p90': 'no acknowledgements',
    });
  });
});
