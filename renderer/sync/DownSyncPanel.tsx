/**
 * Down-sync: what the cloud API last gave (device registry entries, firmware catalog,
 * settings), which version is applied, and "Pull now" with what each sink's pull did.
 * The engine pulls by itself every few minutes; applying a version twice changes nothing.
 */
import { useCallback, useEffect, useState } from 'react';
import type { RequestResult } from '../../common/contract';
import type { DownResult } from '../../common/sync-contract';
import { formatAgo, formatDateTime } from '../format';
import { engine } from '../rpc/engine';
import { errorMessage } from '../tools/use-poll';
import { describeDownData, formatEtag } from './sync-format';

type Docs = RequestResult<'sync.downDocs'>;

const KIND_TEXT: Record<DownResult['kind'], string> = {
  registry: 'Device registry',
  firmware: 'Firmware catalog',
  settings: 'Settings',
};

export function DownSyncPanel({ now, hasDownUrl }: { now: number; hasDownUrl: boolean }) {
  const [docs, setDocs] = useState<Docs | null>(null);
  const [results, setResults] = useState<{ at: number; list: DownResult[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pulling, setPulling] = useState(false);

  const loadDocs = useCallback(() => {
    engine()
      .request('sync.downDocs')
      .then(setDocs, (e: unknown) => setError(`Could not read the applied documents: ${errorMessage(e)}`));
  }, []);
  useEffect(() => loadDocs(), [loadDocs]);

  const pull = () => {
    setPulling(true);
    setError(null);
    engine()
      .request('sync.pullDown')
      .then(
        (list) => {
          setResults({ at: Date.now(), list });
          loadDocs();
        },
        (e: unknown) => setError(`Pull failed: ${errorMessage(e)}`),
      )
      .finally(() => setPulling(false));
  };

  return (
    <section className="panel" data-testid="down-sync" aria-labelledby="down-sync-title">
      <div className="toolbar">
        <h2 className="section-title" id="down-sync-title">
          Down-sync
        </h2>
        <button type="button" onClick={pull} disabled={pulling} data-testid="down-sync-pull">
          {pulling ? 'Pulling…' : 'Pull now'}
        </button>
      </div>
      {!hasDownUrl && (
        <p className="muted small">
          No sink has a down-sync URL: give an HTTPS sink one to receive registry entries, the firmware
          catalog and settings from the cloud.
        </p>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {results && (
        <div data-testid="down-sync-results">
          <h3 className="sync-subtitle">
            Last pull <span className="muted">({formatAgo(results.at, now)})</span>
          </h3>
          {results.list.length === 0 ? (
            <p className="muted small">Nothing pulled: no enabled HTTPS sink has a down-sync URL.</p>
          ) : (
            <table className="grid">
              <thead>
                <tr>
                  <th>Sink</th>
                  <th>Document</th>
                  <th>Version</th>
                  <th>Outcome</th>
                </tr>
              </thead>
              <tbody>
                {results.list.map((r) => (
                  <tr key={`${r.sinkId}-${r.kind}`} data-testid="down-sync-result" data-kind={r.kind}>
                    <td className="mono small">{r.sinkId}</td>
                    <td>{KIND_TEXT[r.kind]}</td>
                    <td className="mono small">{r.version === null ? '—' : formatEtag(r.version)}</td>
                    <td className={r.errors.length > 0 ? 'last-error' : undefined}>
                      {r.errors.length > 0
                        ? r.errors.join('; ')
                        : r.changed
                          ? 'new version applied'
                          : 'unchanged'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
      <h3 className="sync-subtitle">Applied</h3>
      {docs === null ? null : docs.length === 0 ? (
        <p className="muted small" data-testid="down-sync-none">
          Nothing received from the cloud yet.
        </p>
      ) : (
        <table className="grid" data-testid="down-sync-docs">
          <thead>
            <tr>
              <th>Document</th>
              <th>Version</th>
              <th>Applied</th>
              <th>Content</th>
            </tr>
          </thead>
          <tbody>
            {docs.map((d) => (
              <tr key={d.kind} data-testid="down-sync-doc" data-kind={d.kind}>
                <td>{KIND_TEXT[d.kind]}</td>
                <td className="mono small">{formatEtag(d.version)}</td>
                <td title={formatDateTime(d.appliedAt)}>{formatAgo(d.appliedAt, now)}</td>
                <td>{describeDownData(d.data)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
