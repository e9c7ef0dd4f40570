/** Messages given up on (refused, or out of attempts), with Retry. */
import { useState } from 'react';
import type { Delivery } from '../../common/notify-contract';
import { engine } from '../rpc/engine';
import { LoadError, type PageStatus, StatusLine } from '../tools/PageNotices';
import { errorMessage, usePoll } from '../tools/use-poll';
import { POLL_MS } from './poll';

export function DeadLetters() {
  const [version, setVersion] = useState(0);
  const dead = usePoll(
    () => engine().request('notify.deliveries.list', { status: 'dead', limit: 200 }),
    POLL_MS,
    String(version),
  );
  const [status, setStatus] = useState<PageStatus>(null);
  const retry = (rows: Delivery[]) =>
    engine()
      .request('notify.deliveries.retry', { ids: rows.map((r) => r.id) })
      .then(
        () => setStatus({ kind: 'ok', text: `${rows.length} message(s) queued again` }),
        (err: unknown) => setStatus({ kind: 'error', text: errorMessage(err) }),
      )
      .finally(() => setVersion((v) => v + 1));
  return (
    <section>
      <div className="toolbar">
        <h2 className="section-title">Dead letters</h2>
        {dead.data && dead.data.length > 0 && (
          <button type="button" onClick={() => dead.data && retry(dead.data)} data-testid="retry-all">
            Retry all
          </button>
        )}
      </div>
      <StatusLine status={status} testId="dead-status" />
      <LoadError what="the dead letters" error={dead.error} onRetry={() => setVersion((v) => v + 1)} />
      {dead.data?.length === 0 && (
        <p className="empty">None: every message was delivered or is still being tried.</p>
      )}
      {dead.data && dead.data.length > 0 && (
        <table className="grid" data-testid="dead-letters">
          <thead>
            <tr>
              <th>Channel</th>
              <th>Kind</th>
              <th>Attempts</th>
              <th>Last error</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {dead.data.map((d) => (
              <tr key={d.id}>
                <td>{d.channelId}</td>
                <td>{d.kind}</td>
                <td>{d.attempts}</td>
                <td>{d.lastError}</td>
                <td>
                  <button type="button" className="small-button" onClick={() => retry([d])}>
                    Retry
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
