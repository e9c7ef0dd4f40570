/**
 * A rule (saved or not) through the real state machine and condition evaluator over stored
 * history, for every series its target matches: raw readings where they are kept, rollups
 * beyond the raw horizon (each bucket's min and max at their own times, in time order, so a
 * limit crossing inside a bucket survives). It answers "when would this have fired and
 * cleared" before anyone trusts the rule.
 *
 * What a backtest cannot know: operator actions. Nobody acknowledges, so a latching episode
 * stays active to the end of the range (end null), and nothing is shelved or out of service.
 * Readings are judged as they arrived on time (no late marks); delays that elapse before the
 * end of the range fire, as the live engine's timer would have fired them.
 */
import type { BacktestResult, Rule, Severity } from '../../../common/alarm-contract';
import { SEVERITIES } from '../../../common/alarm-contract';
import { QUALITIES } from '../../../common/reading';
import type { Db } from '../store/database';
import { RESOLUTIONS } from '../store/rollups';
import { SeriesQuery } from '../store/series-query';
import type { TimeSeriesStore } from '../store/time-series-store';
import { AlarmMachine, type MachineChange, type MachineConfig } from './alarm-machine';
import { instanceKey } from './alarm-service';
import { type DeviceTarget, targetMatches } from './alarm-targets';
import type { ConditionEvaluator, EvaluationContext, Sample } from './condition-evaluator';
import { compileCondition } from './conditions';

/** a backtest reads at most this many readings: a few seconds of work at the measured speed */
export const MAX_BACKTEST_READINGS = 50_000_000;
export const MAX_BACKTEST_SERIES = 20_000;
/** an episode that starts this soon after the previous one of its series ended chatters */
export const CHATTER_GAP_MS = 60_000;

type Resolution = BacktestResult['resolution'];
type Episode = BacktestResult['episodes'][number];

export interface BacktestOptions {
  db: Db;
  series: TimeSeriesStore;
  devices: DeviceTarget;
  /** windowed aggregates for aggregate conditions; none: they see no data */
  aggregate?: EvaluationContext['aggregate'];
  now?: () => number;
  /** default MAX_BACKTEST_READINGS */
  maxReadings?: number;
  /** default MAX_BACKTEST_SERIES */
  maxSeries?: number;
}

export class BacktestRefused extends Error {}

interface SeriesRow {
  id: number;
  deviceId: string;
  metric: string;
}

/** one stretch of a series' history at one resolution, [from, to] inclusive */
interface Segment {
  resolution: Resolution;
  from: number;
  to: number;
}

const rank = (s: Severity): number => SEVERITIES.indexOf(s);
const coarseness: Record<Resolution, number> = { raw: 0, '1m': 1, '1h': 2, '1d': 3 };

function machineConfigOf(rule: Rule): MachineConfig {
  const { onDelayMs, offDelayMs, confirm, latching, lateToleranceMs } = rule;
  return { onDelayMs, offDelayMs, confirm, latching, lateToleranceMs };
}

export class Backtester {
  private readonly query: SeriesQuery;
  private readonly statements;
  private readonly now: () => number;

  constructor(private readonly options: BacktestOptions) {
    const { db } = options;
    this.query = new SeriesQuery(db, options.series);
    this.now = options.now ?? (() => performance.now());
    this.statements = {
      seriesOf: db.prepare('SELECT id, device_id AS deviceId, metric FROM series WHERE metric = ?'),
      blocks: db
        .prepare(
          'SELECT start_ts, end_ts, count FROM blocks WHERE series_id = ? AND end_ts >= ? AND start_ts <= ? ORDER BY start_ts',
        )
        .raw(),
      rawStart: db.prepare('SELECT min(start_ts) FROM blocks WHERE series_id = ?').pluck(),
      rollupStart: db.prepare('SELECT min(bucket) FROM rollups WHERE series_id = ? AND res = ?').pluck(),
      rollupCount: db
        .prepare(
          'SELECT count(*) FROM rollups WHERE series_id = ? AND res = ? AND bucket >= ? AND bucket <= ? AND count > 0',
        )
        .pluck(),
    };
  }

  run(rule: Rule, from: number, to: number): BacktestResult {
    const started = this.now();
    if (!(to > from)) throw new BacktestRefused('the backtest range must end after it starts');
    if (rule.condition.kind === 'offline')
      throw new BacktestRefused(
        'offline rules cannot be backtested: when devices were online is not kept in the history',
      );
    const metric = rule.target.metric;
    if (!metric) throw new BacktestRefused('the rule names no metric to backtest');
    try {
      compileCondition(rule.condition, { deviceId: '', metric });
    } catch (error) {
      throw new BacktestRefused(`the rule cannot be evaluated: ${(error as Error).message}`);
    }

    const maxReadings = this.options.maxReadings ?? MAX_BACKTEST_READINGS;
    const maxSeries = this.options.maxSeries ?? MAX_BACKTEST_SERIES;
    const plans: { row: SeriesRow; ctx: EvaluationContext; segments: Segment[] }[] = [];
    let planned = 0;
    for (const row of this.statements.seriesOf.all(metric) as SeriesRow[]) {
      const device = this.options.devices.facts(row.deviceId);
      if (!device || !targetMatches(rule.target, device)) continue;
      if (plans.length >= maxSeries)
        throw new BacktestRefused(
          `the rule matches more than ${maxSeries.toLocaleString('en')} series: narrow its target`,
        );
      const segments = this.segments(row.id, from, to);
      planned += this.estimate(row.id, segments);
      if (planned > maxReadings)
        throw new BacktestRefused(
          `the backtest would read more than ${maxReadings.toLocaleString('en')} readings: choose a shorter range or a narrower target`,
        );
      plans.push({
        row,
        ctx: {
          device,
          latest: () => undefined,
          aggregate: this.options.aggregate ?? (() => null),
        },
        segments,
      });
    }

    const config = machineConfigOf(rule);
    const episodes: Episode[] = [];
    let readings = 0;
    let resolution: Resolution = 'raw';
    for (const { row, ctx, segments } of plans) {
      const machine = new AlarmMachine(config, instanceKey(rule.id, row.deviceId, row.metric));
      const evaluator = compileCondition(rule.condition, { deviceId: row.deviceId, metric: row.metric });
      const run = new SeriesRun(machine, evaluator, ctx, row, episodes);
      for (const seg of segments) {
        if (coarseness[seg.resolution] > coarseness[resolution]) resolution = seg.resolution;
        if (seg.resolution === 'raw') this.feedRaw(row.id, seg, run);
        else this.feedRollups(row.id, seg, run);
      }
      run.end(to);
      readings += run.readings;
    }
    episodes.sort((a, b) => a.start - b.start || a.deviceId.localeCompare(b.deviceId));
    let notifications = 0;
    let chattering = 0;
    for (const e of episodes) {
      notifications += e.end === null ? 1 : 2;
      if (e.chattering) chattering++;
    }
    return {
      episodes,
      notifications,
      chattering,
      readings,
      resolution,
      elapsedMs: Math.max(0, this.now() - started),
    };
  }

  /**
   * Raw from where raw readings begin; before that the finest rollup that reaches back,
   * oldest stretch first.
   */
  private segments(series: number, from: number, to: number): Segment[] {
    const head = this.options.series.head(series);
    const blockStart = this.statements.rawStart.get(series) as number | null;
    const headStart = head && head.length > 0 ? head.firstTs : null;
    const rawStart =
      blockStart === null ? headStart : headStart === null ? blockStart : Math.min(blockStart, headStart);
    const out: Segment[] = [];
    let upper = to + 1;
    if (rawStart !== null && rawStart <= to) {
      out.push({ resolution: 'raw', from: Math.max(from, rawStart), to });
      upper = Math.max(from, rawStart);
    }
    for (const res of RESOLUTIONS) {
      if (upper <= from) break;
      const start = this.statements.rollupStart.get(series, res.ms) as number | null;
      if (start === null || start >= upper) continue;
      out.push({ resolution: res.name, from: Math.max(from, start), to: upper - 1 });
      upper = Math.max(from, start);
    }
    return out.reverse();
  }

  private estimate(series: number, segments: readonly Segment[]): number {
    let n = 0;
    for (const seg of segments) {
      if (seg.resolution === 'raw') {
        for (const b of this.statements.blocks.all(series, seg.from, seg.to) as number[][]) n += b[2]!;
        n += this.options.series.head(series)?.length ?? 0;
      } else {
        const ms = RESOLUTIONS.find((r) => r.name === seg.resolution)!.ms;
        n +=
          2 * (this.statements.rollupCount.get(series, ms, Math.floor(seg.from / ms) * ms, seg.to) as number);
      }
    }
    return n;
  }

  private feedRaw(series: number, seg: Segment, run: SeriesRun): void {
    if (this.inOrder(series, seg)) {
      this.query.forEachRaw(series, seg.from, seg.to, run.visit);
      return;
    }
    // back-filled blocks overlap: sorted once (this allocates, but only for such series)
    const c = this.query.raw(series, seg.from, seg.to);
    for (let i = 0; i < c.ts.length; i++) run.visit(c.ts[i]!, c.values[i] ?? Number.NaN, c.quality[i]!);
  }

  /** blocks in start order that do not overlap each other or the head come out sorted */
  private inOrder(series: number, seg: Segment): boolean {
    let lastEnd = Number.NEGATIVE_INFINITY;
    for (const [start, end] of this.statements.blocks.all(series, seg.from, seg.to) as number[][]) {
      if (start! <= lastEnd) return false;
      lastEnd = end!;
    }
    const head = this.options.series.head(series);
    return !head || head.length === 0 || head.firstTs > lastEnd;
  }

  private feedRollups(series: number, seg: Segment, run: SeriesRun): void {
    const ms = RESOLUTIONS.find((r) => r.name === seg.resolution)!.ms;
    for (const a of this.query.aggregates(series, ms, seg.from, seg.to)) {
      if (a.count === 0) continue;
      const minFirst = a.minTs <= a.maxTs;
      const t1 = minFirst ? a.minTs : a.maxTs;
      const t2 = minFirst ? a.maxTs : a.minTs;
      if (t1 >= seg.from && t1 <= seg.to) run.visit(t1, minFirst ? a.min : a.max, minFirst ? a.minQ : a.maxQ);
      if (t2 !== t1 && t2 >= seg.from && t2 <= seg.to)
        run.visit(t2, minFirst ? a.max : a.min, minFirst ? a.maxQ : a.minQ);
    }
  }
}

/** one series through its machine: one Sample object reused for every reading */
class SeriesRun {
  readings = 0;
  private readonly sample: Sample = { ts: 0, value: null, quality: 'good' };
  private open: Episode | null = null;
  private lastEnd: number | null = null;

  constructor(
    private readonly machine: AlarmMachine,
    private readonly evaluator: ConditionEvaluator,
    private readonly ctx: EvaluationContext,
    private readonly row: SeriesRow,
    private readonly episodes: Episode[],
  ) {}

  readonly visit = (t: number, v: number, q: number): void => {
    const s = this.sample;
    s.ts = t;
    s.value = Number.isNaN(v) ? null : v;
    s.quality = QUALITIES[q] ?? 'suspect';
    this.readings++;
    const changes = this.machine.sample(this.evaluator.sample(s, this.ctx), t, t);
    if (changes.length > 0) this.apply(changes);
  };

  /** delays that elapsed by the end of the range fire, as the live timer would fire them */
  end(to: number): void {
    this.apply(this.machine.tick(to));
  }

  private apply(changes: readonly MachineChange[]): void {
    for (const c of changes) {
      if (c.kind === 'raised') {
        const start = c.deviceTime;
        this.open = {
          deviceId: this.row.deviceId,
          metric: this.row.metric,
          start,
          end: null,
          severity: c.severity ?? 'warning',
          chattering: this.lastEnd !== null && start - this.lastEnd <= CHATTER_GAP_MS,
        };
        this.episodes.push(this.open);
      } else if (this.open && (c.kind === 'escalated' || c.kind === 'deescalated')) {
        if (c.severity && rank(c.severity) > rank(this.open.severity)) this.open.severity = c.severity;
      } else if (this.open && c.kind === 'cleared') {
        this.open.end = c.deviceTime;
        this.lastEnd = c.deviceTime;
        this.open = null;
      }
    }
  }
}
