/**
 * Export of a chart's visible window: every raw reading of each series in [from, to]
 * (not the reduced points on screen), as one CSV. The engine caps each series at
 * EXPORT_LIMIT readings and says so; the caller tells the user which were cut short.
 */
import type { RequestParams, RequestResult } from '../../common/contract';
import type { ChartSeriesRef } from '../charts/chart-data';
import { buildCsv, csvFileName } from './csv';

export const EXPORT_LIMIT = 200_000;

export type RawRequest = (params: RequestParams<'readings.raw'>) => Promise<RequestResult<'readings.raw'>>;

export interface WindowExport {
  csv: string;
  fileName: string;
  rows: number;
  /** series whose readings went past EXPORT_LIMIT: only the first ones are in the file */
  truncated: ChartSeriesRef[];
}

export async function exportWindow(
  request: RawRequest,
  series: readonly ChartSeriesRef[],
  from: number,
  to: number,
): Promise<WindowExport> {
  const window = { from: Math.floor(from), to: Math.ceil(to) };
  // one at a time: 200k readings per answer is enough for the engine to build at once
  const answers: RequestResult<'readings.raw'>[] = [];
  for (const ref of series) {
    answers.push(
      await request({ deviceId: ref.deviceId, metric: ref.metric, ...window, limit: EXPORT_LIMIT }),
    );
  }
  return {
    csv: buildCsv(answers),
    fileName: csvFileName(series, window.from),
    rows: answers.reduce((n, a) => n + a.ts.length, 0),
    truncated: series.filter((_, i) => answers[i]?.truncated),
  };
}

/** What to tell the user after an export. */
export function exportMessage(result: Pick<WindowExport, 'rows' | 'truncated'>, seriesCount: number): string {
  const limit = EXPORT_LIMIT.toLocaleString('en-US');
  if (result.truncated.length === 0) return `Exported ${result.rows.toLocaleString('en-US')} readings.`;
  if (seriesCount === 1) return `First ${limit} readings exported; narrow the window for the rest.`;
  const which = result.truncated.map((s) => `${s.deviceId} ${s.metric}`).join(', ');
  return `First ${limit} readings of ${which} exported; narrow the window for the rest.`;
}
