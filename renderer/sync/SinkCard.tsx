/**
 * One sink at a glance: reached or not, how much waits and since when, how fast it
 * drains, what it has sent, what went wrong last, and its parked batches; with Sync now,
 * Pause / Resume, Edit and Remove. The figures are exposed as data-* attributes too, so
 * tests read numbers rather than parse text.
 */
import { useEffect, useState } from 'react';
import type { ParkedBatch, SinkStatus } from '../../common/sync-contract';
import { formatAgo, formatBytes, formatCount, formatDateTime } from '../format';
import { engine } from '../rpc/engine';
import { ConfirmDialog } from '../tools/ConfirmDialog';
import { errorMessage } from '../tools/use-poll';
import { ParkedBatches } from './ParkedBatches';
import type { SinkEdit } from './SinkForm';
import { fieldsFromSink } from './sink-form';
import {
  describeFolded,
  describeState,
  errorIsCurrent,
  formatBacklogAge,
  formatBacklogSize,
  formatByteRate,
  formatBytesPerReading,
  formatReadingRate,
  HEALTH_CLASS,
  HEALTH_TEXT,
  sinkHealth,
} from './sync-format';
import { applySinkStatus, dropSink } from './sync-store';

function Fact({ label, children, testId }: { label: string; children: React.ReactNode; testId?: string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  );
}

export function SinkCard({
  sink: s,
  parked,
  now,
  onEdit,
}: {
  sink: SinkStatus;
  parked: ParkedBatch[];
  now: number;
  onEdit(edit: SinkEdit): void;
}) {
  const [busy, setBusy] = useState<'now' | 'edit' | 'toggle' | null>(null);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [removing, setRemoving] = useState(false);
  const [removeBusy, setRemoveBusy] = useState(false);
  const [removeError, setRemoveError] = useState<string | null>(null);
  const health = sinkHealth(s);
  const current = errorIsCurrent(s);
  const backlogTotal = s.backlog.readings + s.backlog.events + s.backlog.rollups;
  const folded = describeFolded(s.folded);
  const perReading = formatBytesPerReading(s.delivered);

  const act = (what: 'now' | 'edit' | 'toggle', run: () => Promise<void>) => {
    setBusy(what);
    setMessage(null);
    run()
      .catch((e: unknown) => setMessage({ kind: 'error', text: errorMessage(e) }))
      .finally(() => setBusy(null));
  };

  const syncNow = () =>
    act('now', async () => {
      await engine().request('sync.now', { id: s.id });
      setMessage({ kind: 'ok', text: 'Sending now.' });
    });

  // a confirmation is news for a moment; the live figures say the rest
  useEffect(() => {
    if (message?.kind !== 'ok') return;
    const timer = setTimeout(() => setMessage(null), 3000);
    return () => clearTimeout(timer);
  }, [message]);
  const edit = () =>
    act('edit', async () => {
      const saved = await engine().request('sync.getSink', { id: s.id });
      const { fields, stored } = fieldsFromSink(saved);
      onEdit({ id: saved.id, kind: saved.kind, fields, stored, original: saved.config });
    });
  const toggle = () =>
    act('toggle', async () => {
      applySinkStatus(await engine().request('sync.updateSink', { id: s.id, enabled: !s.enabled }));
    });
  const remove = () => {
    setRemoveBusy(true);
    setRemoveError(null);
    engine()
      .request('sync.removeSink', { id: s.id })
      .then(
        (r) => {
          if (r.ok) {
            setRemoving(false);
            dropSink(s.id);
          } else setRemoveError('The engine no longer has this sink.');
        },
        (e: unknown) => setRemoveError(`Could not remove: ${errorMessage(e)}`),
      )
      .finally(() => setRemoveBusy(false));
  };

  return (
    <article
      className="panel sync-sink"
      aria-labelledby={`sink-title-${s.id}`}
      data-testid="sink-card"
      data-sink-id={s.id}
      data-health={health}
      data-connected={String(s.connected)}
      data-backlog={backlogTotal}
      data-readings-per-s={Math.round(s.readingsPerS)}
      data-delivered-readings={s.delivered.readings}
      data-parked={s.parked}
      data-folded={s.folded?.readings ?? 0}
    >
      <div className="toolbar">
        <h2 className="section-title sync-sink-title" id={`sink-title-${s.id}`}>
          {s.name}
        </h2>
        <span className={`transport transport-${s.kind}`}>{s.kind === 'http' ? 'HTTP POST' : 'MQTT'}</span>
        <span className={`badge ${HEALTH_CLASS[health]}`} data-testid="sink-health">
          {HEALTH_TEXT[health]}
        </span>
        <span className="mono small muted sync-target" title={s.target}>
          {s.target}
        </span>
        <span className="sync-actions">
          <button
            type="button"
            onClick={syncNow}
            disabled={busy !== null || !s.enabled}
            title="Cut any wait short (a receiver's Retry-After excepted) and send now"
            data-testid="sink-sync-now"
          >
            {busy === 'now' ? 'Asking…' : 'Sync now'}
          </button>
          <button type="button" onClick={toggle} disabled={busy !== null} data-testid="sink-toggle">
            {s.enabled ? 'Pause' : 'Resume'}
          </button>
          <button type="button" onClick={edit} disabled={busy !== null} data-testid="sink-edit">
            {busy === 'edit' ? 'Loading…' : 'Edit'}
          </button>
          <button
            type="button"
            onClick={() => {
              setRemoveError(null);
              setRemoving(true);
            }}
            disabled={busy !== null}
            data-testid="sink-remove"
          >
            Remove
          </button>
        </span>
      </div>
      {message && (
        <p
          className={message.kind === 'error' ? 'form-error' : 'form-ok'}
          role={message.kind === 'error' ? 'alert' : 'status'}
        >
          {message.text}
        </p>
      )}
      <dl className="facts sync-facts">
        <Fact label="State" testId="sink-state">
          {describeState(s, now)}
        </Fact>
        <Fact label="Backlog" testId="sink-backlog">
          {formatBacklogSize(s.backlog)}
        </Fact>
        <Fact label="Oldest waiting" testId="sink-backlog-age">
          {formatBacklogAge(s.backlog, now)}
        </Fact>
        <Fact label="Throughput" testId="sink-throughput">
          {formatReadingRate(s.readingsPerS)} · {formatByteRate(s.bytesPerS)}
        </Fact>
        <Fact label="Sent" testId="sink-sent">
          {formatCount(s.delivered.readings)} readings in {formatCount(s.delivered.batches)} batches ·{' '}
          {formatBytes(s.delivered.bytes)}
          {perReading && <span className="muted"> ({perReading})</span>}
        </Fact>
        <Fact label="Last delivered">
          {s.lastSuccessAt === null ? (
            <span className="muted">not yet</span>
          ) : (
            <span title={formatDateTime(s.lastSuccessAt)}>{formatAgo(s.lastSuccessAt, now)}</span>
          )}
        </Fact>
        <Fact label="Retries">{formatCount(s.retries)}</Fact>
        <Fact label="Parked" testId="sink-parked">
          <span className={s.parked > 0 ? 'flagged' : undefined}>{formatCount(s.parked)}</span>
        </Fact>
      </dl>
      {s.lastError && (
        <div
          className={current ? 'notice notice-error sync-error' : 'sync-error sync-error-past muted small'}
          role={current ? 'alert' : undefined}
          data-testid="sink-last-error"
          data-current={String(current)}
        >
          {current ? 'Failing: ' : 'Last error (resolved since): '}
          <span className="mono">{s.lastError.message}</span>{' '}
          <span className="muted" title={formatDateTime(s.lastError.at)}>
            ({formatAgo(s.lastError.at, now)})
          </span>
        </div>
      )}
      {folded && (
        <div className="notice notice-warn" data-testid="sink-folded">
          {folded}
        </div>
      )}
      <ParkedBatches batches={parked} now={now} />
      {removing && (
        <ConfirmDialog
          title={`Remove sink “${s.name}”?`}
          confirmLabel="Remove"
          busyLabel="Removing…"
          busy={removeBusy}
          error={removeError}
          onConfirm={remove}
          onCancel={() => setRemoving(false)}
          testId="remove-sink-dialog"
        >
          <p>
            Its settings, sealed secrets and {formatCount(s.parked)} parked batches are forgotten, and the{' '}
            {formatBacklogSize(s.backlog)} still waiting for it will not be sent to it. Other sinks are not
            affected.
          </p>
        </ConfirmDialog>
      )}
    </article>
  );
}
