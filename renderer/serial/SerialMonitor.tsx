/**
 * The serial monitor for one connector (#/serial/<id>): every byte both ways from the
 * serial.monitor stream, text or hex, pause (new chunks wait, bounded, and appear on
 * resume), clear, save as .log, a send box, and a plot of the port's devices' fields with
 * their history from the store.
 */
import { useEffect, useRef, useState } from 'react';
import { downloadText } from '../export/download';
import { engine } from '../rpc/engine';
import { useConnectors } from '../state/connectors';
import { LINE_FILTER_LABELS, LINE_FILTERS, type LineFilter } from '../tools/serial-lines';
import { appendChunks, decodeBase64, type LogChunk, logFileText } from '../tools/serial-log';
import { ConnectorHeader } from '../views/ConnectorHeader';
import { SerialLog, type SerialView } from './SerialLog';
import { SerialPlot } from './SerialPlot';
import { SerialSendBox } from './SerialSendBox';

export function SerialMonitor({ connectorId }: { connectorId: string }) {
  const connector = useConnectors((s) => s.connectors.find((c) => c.id === connectorId));
  const [log, setLog] = useState<LogChunk[]>([]);
  const [view, setView] = useState<SerialView>('text');
  const [filter, setFilter] = useState<LineFilter>('all');
  const [paused, setPaused] = useState(false);
  const [held, setHeld] = useState<LogChunk[]>([]);
  const [streamError, setStreamError] = useState<string | null>(null);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const seq = useRef(0);

  useEffect(
    () =>
      engine().subscribe(
        'serial.monitor',
        { connectorId },
        ({ chunks }) => {
          if (chunks.length === 0) return;
          setStreamError(null);
          const decoded = chunks.map((c) => ({ ...c, seq: ++seq.current, bytes: decodeBase64(c.data) }));
          if (pausedRef.current) setHeld((h) => appendChunks(h, decoded));
          else setLog((l) => appendChunks(l, decoded));
        },
        { onError: (e) => setStreamError(e.message) },
      ),
    [connectorId],
  );

  const resume = () => {
    setLog((l) => appendChunks(l, held));
    setHeld([]);
    setPaused(false);
  };

  const save = () => {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    downloadText(logFileText(log), `${connectorId}-${stamp}.log`, 'text/plain;charset=utf-8');
  };

  return (
    <section className="page" data-testid="serial-monitor">
      <ConnectorHeader
        title="Serial monitor"
        connectorId={connectorId}
        connector={connector}
        expectKind="serial"
      />
      {streamError && <div className="notice notice-error">Monitor stream: {streamError}</div>}
      <div className="toolbar" role="toolbar" aria-label="Log controls">
        <button
          type="button"
          aria-pressed={view === 'hex'}
          data-testid="serial-view-toggle"
          onClick={() => setView(view === 'hex' ? 'text' : 'hex')}
        >
          {view === 'hex' ? 'Show text' : 'Show hex'}
        </button>
        <button
          type="button"
          aria-pressed={view === 'lines'}
          data-testid="serial-lines-toggle"
          title="Whole lines, firmware log lines coloured by level"
          onClick={() => setView(view === 'lines' ? 'text' : 'lines')}
        >
          Lines
        </button>
        {view === 'lines' && (
          <select
            aria-label="Show"
            data-testid="serial-line-filter"
            value={filter}
            onChange={(e) => setFilter(e.target.value as LineFilter)}
          >
            {LINE_FILTERS.map((f) => (
              <option key={f} value={f}>
                {LINE_FILTER_LABELS[f]}
              </option>
            ))}
          </select>
        )}
        <button type="button" aria-pressed={paused} onClick={paused ? resume : () => setPaused(true)}>
          {paused ? `Resume${held.length > 0 ? ` (${held.length} waiting)` : ''}` : 'Pause'}
        </button>
        <button
          type="button"
          onClick={() => {
            setLog([]);
            setHeld([]);
          }}
        >
          Clear
        </button>
        <button type="button" onClick={save} disabled={log.length === 0}>
          Save log
        </button>
        <span className="muted small">{log.length} chunks kept (newest 5,000)</span>
      </div>
      <SerialLog log={log} view={view} filter={filter} />
      <SerialSendBox connectorId={connectorId} />
      <h2 className="section-title">Plot</h2>
      <SerialPlot connectorId={connectorId} />
    </section>
  );
}
