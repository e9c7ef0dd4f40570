/**
 * The data behind one chart: a sorted window per series, refilled from readings.query
 * whenever the time window or the plot width changes and topped up by the live stream in
 * between.
 *
 * - Window changes come in bursts (a wheel spin, a drag); queries wait until the burst has
 *   been quiet for QUERY_DEBOUNCE_MS and an answer to an older window is dropped.
 * - An answer replaces what is held (another window wants another resolution), except
 *   live readings newer than it or that arrived while it was in flight: those are put
 *   back, so the tail does not blink out on every refresh.
 * - In live mode the raw tail grows on top of a reduced answer; once it has grown by as
 *   many points as a whole answer could hold, the window is queried again, so a week-long
 *   live chart stays a few thousand points instead of every reading of the week.
 */
import type { QueryResult } from '../../common/contract';
import {
  clearSeries,
  createSeriesWindow,
  insertPoints,
  type PointBatch,
  pointsAfter,
  type SeriesWindow,
  trimBefore,
} from './series-window';
import type { TimeRange } from './time-window';

export const QUERY_DEBOUNCE_MS = 100;
/** M4 gives up to 4 points per pixel column; a tail that large is a whole answer's worth. */
const REFRESH_POINTS_PER_PIXEL = 4;

export interface ChartSeriesRef {
  deviceId: string;
  metric: string;
}

export interface QueryWindow extends TimeRange {
  live: boolean;
  /** the plot's width in CSS pixels, which is what the engine reduces to */
  pixelWidth: number;
}

export interface ChartLoad {
  /** the resolution of each series' last answer (null while none came) */
  resolutions: (QueryResult['resolution'] | null)[];
  /** the first failure of the last round of queries, if any */
  error: string | null;
}

export interface ChartDataDeps {
  query(ref: ChartSeriesRef, window: QueryWindow): Promise<QueryResult>;
  /** the window on screen right now */
  window(): QueryWindow;
  /** something changed that should be drawn */
  onData(): void;
  onLoad(load: ChartLoad): void;
}

/** The points of a batch inside [from, to]; the batch itself when all of them are. */
export function pointsWithin(batch: PointBatch, from: number, to: number): PointBatch {
  const n = Math.min(batch.ts.length, batch.values.length, batch.quality.length);
  let inside = 0;
  for (let i = 0; i < n; i++) {
    const t = batch.ts[i] as number;
    if (t >= from && t <= to) inside++;
  }
  if (inside === n) return batch;
  const out: { ts: number[]; values: (number | null)[]; quality: number[] } = {
    ts: [],
    values: [],
    quality: [],
  };
  for (let i = 0; i < n; i++) {
    const t = batch.ts[i] as number;
    if (t < from || t > to) continue;
    out.ts.push(t);
    out.values.push(batch.values[i] as number | null);
    out.quality.push(batch.quality[i] as number);
  }
  return out;
}

export class ChartData {
  readonly series: SeriesWindow[];
  private readonly resolutions: ChartLoad['resolutions'];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private generation = 0;
  /** live batches received while the current query is in flight, per series */
  private arrivedDuringQuery: PointBatch[][] | null = null;
  private appendedSinceAnswer = 0;
  private answeredPixelWidth = 0;
  private disposed = false;

  constructor(
    private readonly refs: readonly ChartSeriesRef[],
    private readonly deps: ChartDataDeps,
  ) {
    this.series = refs.map(() => createSeriesWindow());
    this.resolutions = refs.map(() => null);
  }

  get points(): number {
    let n = 0;
    for (const s of this.series) n += s.ts.length;
    return n;
  }

  /** The window changed: query it once changes have settled for `delayMs`. */
  invalidate(delayMs = QUERY_DEBOUNCE_MS): void {
    if (this.disposed) return;
    this.generation++; // an answer in flight now answers a window nobody shows
    this.arrivedDuringQuery = null;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.fetch();
    }, delayMs);
  }

  /** Readings from the live stream for series `index`. */
  addLive(index: number, batch: PointBatch): void {
    const series = this.series[index];
    if (!series || this.disposed) return;
    const window = this.deps.window();
    // a live window takes anything newer than its left edge (a device clock running ahead
    // included); a fixed one only what falls inside it
    const inside = pointsWithin(batch, window.from, window.live ? Infinity : window.to);
    if (inside.ts.length === 0) return;
    insertPoints(series, inside);
    this.arrivedDuringQuery?.[index]?.push(inside);
    if (window.live) {
      this.appendedSinceAnswer += inside.ts.length;
      const limit = REFRESH_POINTS_PER_PIXEL * Math.max(1, this.answeredPixelWidth) * this.refs.length;
      if (this.appendedSinceAnswer > limit && this.timer === null && this.arrivedDuringQuery === null) {
        this.invalidate(0);
      }
    }
    this.deps.onData();
  }

  /** Drops what slid out of a live window; memory stays bounded with no frames drawn. */
  trimBefore(from: number): void {
    for (const s of this.series) trimBefore(s, from);
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private fetch(): void {
    const generation = ++this.generation;
    const window = this.deps.window();
    const arrived = this.refs.map((): PointBatch[] => []);
    this.arrivedDuringQuery = arrived;
    void Promise.allSettled(this.refs.map((ref) => this.deps.query(ref, window))).then((outcomes) => {
      if (this.disposed || generation !== this.generation) return;
      this.arrivedDuringQuery = null;
      this.appendedSinceAnswer = 0;
      this.answeredPixelWidth = window.pixelWidth;
      let error: string | null = null;
      outcomes.forEach((outcome, i) => {
        const series = this.series[i] as SeriesWindow;
        if (outcome.status === 'rejected') {
          const failure = outcome.reason as { code?: string; message?: string };
          // CLOSED: the reconnect queries again; the data held stays on screen until then
          if (failure.code !== 'CLOSED') error ??= failure.message ?? String(outcome.reason);
          return;
        }
        const tail = window.live ? pointsAfter(series, window.to) : null;
        clearSeries(series);
        insertPoints(series, outcome.value);
        if (tail) insertPoints(series, tail);
        for (const batch of arrived[i] ?? []) insertPoints(series, batch);
        this.resolutions[i] = outcome.value.resolution;
      });
      this.deps.onLoad({ resolutions: [...this.resolutions], error });
      this.deps.onData();
    });
  }
}
