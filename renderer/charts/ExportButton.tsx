/** "Export CSV" for a chart: the raw readings of its series in the window on screen. */
import { useState } from 'react';
import { downloadText } from '../export/download';
import { exportMessage, exportWindow } from '../export/export-window';
import { engine } from '../rpc/engine';
import { useChartWindow } from '../state/chart-window';
import type { ChartSeriesRef } from './chart-data';
import { rangeOf, type TimeWindow } from './time-window';

type Status = { kind: 'busy' } | { kind: 'done' | 'warn' | 'error'; text: string } | null;

interface Props {
  series: readonly ChartSeriesRef[];
  /** the chart's window, when it is not the shared one */
  timeWindow?: () => TimeWindow;
}

export function ExportButton({ series, timeWindow = () => useChartWindow.getState().window }: Props) {
  const [status, setStatus] = useState<Status>(null);
  const run = async () => {
    // the window as drawn this instant; a live one ends now
    const { from, to } = rangeOf(timeWindow(), Date.now());
    setStatus({ kind: 'busy' });
    try {
      const result = await exportWindow((p) => engine().request('readings.raw', p), series, from, to);
      downloadText(result.csv, result.fileName);
      const text = exportMessage(result, series.length);
      setStatus({ kind: result.truncated.length > 0 ? 'warn' : 'done', text });
    } catch (error) {
      setStatus({ kind: 'error', text: `Export failed: ${(error as Error).message}` });
    }
  };
  return (
    <span className="export">
      <button
        type="button"
        className="small-button"
        data-testid="export-csv"
        disabled={status?.kind === 'busy' || series.length === 0}
        onClick={() => void run()}
        title="Every raw reading in the visible window, as CSV"
      >
        {status?.kind === 'busy' ? 'Exporting…' : 'Export CSV'}
      </button>
      {status && status.kind !== 'busy' && (
        <span className={`export-status export-${status.kind}`} data-testid="export-status" role="status">
          {status.text}
        </span>
      )}
    </span>
  );
}
