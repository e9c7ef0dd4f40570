/**
 * One alarm's journal: every transition of its instance (rule × series), newest first,
 * with the episode it belongs to, who did what and why. Reloaded when the alarm changes.
 */
import { useEffect, useState } from 'react';
import type { AlarmInstance, AlarmTransition } from '../../common/alarm-contract';
import { formatDateTime, formatValue } from '../format';
import { engine } from '../rpc/engine';
import { LoadError } from '../tools/PageNotices';
import { errorMessage } from '../tools/use-poll';
import { severityWord, stateWords } from './alarm-words';

const LIMIT = 500;

function useTransitions(alarm: AlarmInstance, attempt: number) {
  const [state, setState] = useState<{ rows: AlarmTransition[] | null; error: string | null }>({
    rows: null,
    error: null,
  });
  // biome-ignore lint/correctness/useExhaustiveDependencies: reload when the alarm's state, episode or comments change
  useEffect(() => {
    let current = true;
    engine()
      .request('alarms.history', { deviceId: alarm.deviceId, limit: LIMIT })
      .then(
        (rows) => current && setState({ rows: rows.filter((r) => r.key === alarm.key), error: null }),
        (error: unknown) => current && setState((s) => ({ rows: s.rows, error: errorMessage(error) })),
      );
    return () => {
      current = false;
    };
  }, [alarm.key, alarm.deviceId, alarm.updatedAt, attempt]);
  return state;
}

export function AlarmHistory({ alarm, onClose }: { alarm: AlarmInstance; onClose(): void }) {
  const [attempt, setAttempt] = useState(0);
  const { rows, error } = useTransitions(alarm, attempt);
  return (
    <section
      className="panel alarm-history"
      data-testid="alarm-history"
      aria-labelledby="alarm-history-title"
    >
      <div className="toolbar">
        <h2 id="alarm-history-title" className="section-title">
          History: {alarm.ruleName} on {alarm.deviceId}
          {alarm.metric && ` · ${alarm.metric}`}
        </h2>
        <button type="button" className="small-button" onClick={onClose}>
          Close
        </button>
      </div>
      <LoadError what="the alarm history" error={error} onRetry={() => setAttempt((n) => n + 1)} />
      {alarm.comments.length > 0 && (
        <ul className="alarm-comments">
          {alarm.comments.map((c) => (
            <li key={`${c.at}-${c.by}`}>
              <span className="muted">
                {formatDateTime(c.at)} · {c.by}:
              </span>{' '}
              {c.text}
            </li>
          ))}
        </ul>
      )}
      {rows === null && !error && <p className="muted">Loading…</p>}
      {rows !== null && rows.length === 0 && <p className="empty">Nothing journaled for this alarm yet.</p>}
      {rows !== null && rows.length > 0 && (
        <div className="table-box">
          <table className="grid" data-testid="alarm-history-table">
            <thead>
              <tr>
                <th>Device time</th>
                <th>Change</th>
                <th>Severity</th>
                <th className="num">Value</th>
                <th>By</th>
                <th>Episode</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((t) => (
                <tr key={t.seq}>
                  <td className="nowrap" title={`journaled ${formatDateTime(t.at)}`}>
                    {formatDateTime(t.deviceTime)}
                    {t.late && <span className="badge alarm-tag">late</span>}
                  </td>
                  <td>
                    {stateWords(t.from)} → {stateWords(t.to)}
                    {t.reason && <div className="muted small">{t.reason}</div>}
                  </td>
                  <td>{severityWord(t.severity)}</td>
                  <td className="num">{formatValue(t.value)}</td>
                  <td>{t.actor ?? <span className="muted">rule</span>}</td>
                  <td className="mono small">{t.episodeId ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
