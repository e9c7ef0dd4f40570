/**
 * The wizard's start page: who is commissioning, start one device or a batch, resume a
 * session left in progress (after a cable pull, a closed window, a restart), and the
 * batches done so far with their reports.
 */
import { type FormEvent, useState } from 'react';
import type { CommissioningSession } from '../../common/commissioning-contract';
import { formatAgo } from '../format';
import { hrefFor, navigate } from '../router';
import { engine } from '../rpc/engine';
import { useNow } from '../state/clock';
import { applySession } from '../state/commissioning';
import { useOperator } from '../state/operator';
import { errorMessage, usePoll } from '../tools/use-poll';
import { OperatorPrompt } from './OperatorPrompt';
import { defaultBatchName, STEP_LABELS } from './wizard-model';

const LIST_POLL_MS = 3000;

export function sessionLabel(s: CommissioningSession): string {
  return (
    s.details?.deviceId ??
    s.carried?.details?.deviceId ??
    s.identity?.serialNumber ??
    s.identity?.model ??
    '(not identified yet)'
  );
}

function StartForm() {
  const [batch, setBatch] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const start = (batchId?: string) => {
    setBusy(true);
    setError(null);
    engine()
      .request('commissioning.start', batchId ? { batchId } : {})
      .then(
        (s) => {
          applySession(s);
          navigate({ name: 'commission-session', sessionId: s.id });
        },
        (e: unknown) => setError(errorMessage(e)),
      )
      .finally(() => setBusy(false));
  };
  const submitBatch = (event: FormEvent) => {
    event.preventDefault();
    const name = batch.trim() || defaultBatchName(Date.now());
    if (name.length > 200) return setError('a batch name has 200 characters at most');
    start(name);
  };
  return (
    <div className="panel start-panel">
      <div className="form-actions">
        <button
          type="button"
          className="primary-button"
          onClick={() => start()}
          disabled={busy}
          data-testid="commission-start"
        >
          Commission a device
        </button>
        <span className="muted">or</span>
        <form className="inline-form" onSubmit={submitBatch}>
          <input
            value={batch}
            placeholder={defaultBatchName(Date.now())}
            aria-label="Batch name"
            maxLength={200}
            onChange={(e) => setBatch(e.target.value)}
            data-testid="batch-name"
          />
          <button type="submit" className="primary-button" disabled={busy} data-testid="batch-start">
            Start a batch
          </button>
        </form>
      </div>
      <p className="muted small">
        A batch commissions device after device with the same site, profile, network and credential settings,
        and gets one report for all of them.
      </p>
      {error && (
        <p className="form-error" role="alert">
          Could not start: {error}
        </p>
      )}
    </div>
  );
}

function InProgress({
  sessions,
  now,
  onChanged,
}: {
  sessions: CommissioningSession[];
  now: number;
  onChanged(): void;
}) {
  const [error, setError] = useState<string | null>(null);
  const abandon = (s: CommissioningSession) => {
    if (!window.confirm(`Abandon the session for ${sessionLabel(s)}? Nothing is recorded.`)) return;
    engine()
      .request('commissioning.abandon', { sessionId: s.id })
      .then(onChanged, (e: unknown) => setError(errorMessage(e)));
  };
  if (sessions.length === 0) return <p className="empty">No session in progress.</p>;
  return (
    <>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <table className="grid" data-testid="sessions-in-progress">
        <thead>
          <tr>
            <th>Device</th>
            <th>At step</th>
            <th>Link</th>
            <th>Batch</th>
            <th>Technician</th>
            <th className="num">Last change</th>
            <th>
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {sessions.map((s) => {
            const failed = s.steps[s.step].state === 'failed';
            return (
              <tr key={s.id} data-testid="session-row" data-session-id={s.id}>
                <td className="mono">{sessionLabel(s)}</td>
                <td className={failed ? 'flagged' : undefined}>
                  {STEP_LABELS[s.step]}
                  {failed ? ' (failed)' : ''}
                </td>
                <td className="mono small">
                  {s.link ? (s.link.kind === 'serial' ? s.link.path : s.link.peripheralId) : '—'}
                </td>
                <td>{s.batchId ?? '—'}</td>
                <td>{s.technician || '—'}</td>
                <td className="num">{formatAgo(s.updatedAt, now)}</td>
                <td className="nowrap">
                  <a
                    href={hrefFor({ name: 'commission-session', sessionId: s.id })}
                    data-testid="session-resume"
                  >
                    Resume
                  </a>{' '}
                  <button type="button" className="small-button" onClick={() => abandon(s)}>
                    Abandon
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}

function Batches({ sessions }: { sessions: CommissioningSession[] }) {
  const batches = new Map<string, { done: number; last: number }>();
  for (const s of sessions) {
    if (!s.batchId) continue;
    const b = batches.get(s.batchId) ?? { done: 0, last: 0 };
    b.done += s.status === 'done' ? 1 : 0;
    b.last = Math.max(b.last, s.updatedAt);
    batches.set(s.batchId, b);
  }
  const list = [...batches.entries()].sort((a, b) => b[1].last - a[1].last).slice(0, 20);
  if (list.length === 0) return <p className="empty">No batches yet.</p>;
  return (
    <ul className="batch-list">
      {list.map(([id, b]) => (
        <li key={id}>
          <a href={hrefFor({ name: 'commission-batch', batchId: id })}>{id}</a>{' '}
          <span className="muted small">{b.done} devices commissioned</span>
        </li>
      ))}
    </ul>
  );
}

export function CommissionStart() {
  const operator = useOperator((s) => s.name);
  const now = useNow();
  const [version, setVersion] = useState(0);
  const inProgress = usePoll(
    () => engine().request('commissioning.list', { status: 'in-progress' }),
    LIST_POLL_MS,
    `in-progress-${version}`,
  );
  const done = usePoll(
    () => engine().request('commissioning.list', { status: 'done' }),
    LIST_POLL_MS * 5,
    'done',
  );
  return (
    <section className="page" data-testid="commission-start-page">
      <div className="page-head">
        <h1>Commission</h1>
        <span className="muted">from the box to reporting, one device or a batch</span>
      </div>
      {operator === '' && (
        <div className="notice notice-warn" data-testid="operator-needed">
          Who is commissioning? Your name goes on every report and audit entry. <OperatorPrompt autoFocus />
        </div>
      )}
      <StartForm />
      <h2 className="section-title">In progress</h2>
      {inProgress.error && <p className="form-error">Could not list the sessions: {inProgress.error}</p>}
      {inProgress.data === null ? (
        !inProgress.error && <p className="muted">loading…</p>
      ) : (
        <InProgress
          sessions={[...inProgress.data].sort((a, b) => b.updatedAt - a.updatedAt)}
          now={now}
          onChanged={() => setVersion((v) => v + 1)}
        />
      )}
      <h2 className="section-title">Batches</h2>
      {done.error && <p className="form-error">Could not list the batches: {done.error}</p>}
      {done.data && <Batches sessions={done.data} />}
    </section>
  );
}
