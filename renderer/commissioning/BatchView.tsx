/** One batch: every device commissioned in it, how far each got, and the batch report. */
import type { CommissioningSession } from '../../common/commissioning-contract';
import { formatDateTime } from '../format';
import { hrefFor } from '../router';
import { engine } from '../rpc/engine';
import { usePoll } from '../tools/use-poll';
import { sessionLabel } from './CommissionStart';
import { NextDevice, ReportButtons } from './RecordStep';
import { STEP_LABELS } from './wizard-model';

const POLL_MS = 3000;

function verdict(s: CommissioningSession): string {
  const v = s.verify;
  if (s.steps.verify.state === 'done' && v) return `✓ ${v.readings} readings`;
  if (s.steps.verify.state === 'failed') return '✗ no telemetry';
  return '—';
}

export function BatchView({ batchId }: { batchId: string }) {
  const list = usePoll(
    () => engine().request('commissioning.list', { batchId }),
    POLL_MS,
    `batch-${batchId}`,
  );
  const sessions = [...(list.data ?? [])].sort((a, b) => a.createdAt - b.createdAt);
  const lastDone = [...sessions].reverse().find((s) => s.status === 'done');
  const done = sessions.filter((s) => s.status === 'done').length;
  return (
    <section className="page" data-testid="batch-view">
      <div className="page-head">
        <h1>Batch {batchId}</h1>
        <span className="muted">
          {list.data === null ? 'loading…' : `${sessions.length} sessions, ${done} commissioned`}
        </span>
        <a href={hrefFor({ name: 'commission' })} className="small">
          all sessions
        </a>
      </div>
      {list.error && (
        <div className="notice notice-error" role="alert">
          Could not load the batch: {list.error}
        </div>
      )}
      <ReportButtons params={{ batchId }} label="Batch report:" />
      <table className="grid" data-testid="batch-sessions">
        <thead>
          <tr>
            <th className="num">#</th>
            <th>Device</th>
            <th>Name</th>
            <th>Status</th>
            <th>Firmware</th>
            <th>Credential fingerprint</th>
            <th>Verify</th>
            <th>Technician</th>
            <th>Started</th>
          </tr>
        </thead>
        <tbody>
          {sessions.map((s, i) => (
            <tr key={s.id} data-testid="batch-row" data-session-id={s.id}>
              <td className="num">{i + 1}</td>
              <td className="mono">
                <a href={hrefFor({ name: 'commission-session', sessionId: s.id })}>{sessionLabel(s)}</a>
              </td>
              <td>{s.details?.name ?? '—'}</td>
              <td>
                <span className={`badge session-${s.status}`}>{s.status}</span>
                {s.status === 'in-progress' && <span className="small muted"> at {STEP_LABELS[s.step]}</span>}
              </td>
              <td className="mono">{s.identity?.firmwareVersion ?? '—'}</td>
              <td className="mono detail" title={s.credentials?.fingerprint}>
                {s.credentials?.fingerprint ?? '—'}
              </td>
              <td>{verdict(s)}</td>
              <td>{s.technician || '—'}</td>
              <td className="nowrap">{formatDateTime(s.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {lastDone && <NextDevice session={lastDone} />}
    </section>
  );
}
