/**
 * A sink's parked batches: ones the receiver refused with a 4xx that is not worth
 * retrying by itself (a 422, a 401). Retry sends the batch again as it was, same
 * Idempotency-Key, once someone has fixed the cause; Discard drops it for good, after asking.
 */
import { useState } from 'react';
import type { ParkedBatch } from '../../common/sync-contract';
import { formatAgo, formatBytes, formatCount, formatDateTime } from '../format';
import { engine } from '../rpc/engine';
import { ConfirmDialog } from '../tools/ConfirmDialog';
import { errorMessage } from '../tools/use-poll';
import { refreshParked } from './sync-store';

type RowOutcome = { kind: 'busy' } | { kind: 'error'; text: string } | null;

function ParkedRow({
  batch: b,
  now,
  onDiscard,
}: {
  batch: ParkedBatch;
  now: number;
  onDiscard(batch: ParkedBatch): void;
}) {
  const [outcome, setOutcome] = useState<RowOutcome>(null);
  const retry = () => {
    setOutcome({ kind: 'busy' });
    engine()
      .request('sync.retryParked', { id: b.id })
      .then(
        (r) => {
          if (r.ok) {
            setOutcome(null);
            refreshParked(engine());
          } else setOutcome({ kind: 'error', text: `Still refused: ${r.error ?? 'unknown error'}` });
        },
        (e: unknown) => setOutcome({ kind: 'error', text: `Could not retry: ${errorMessage(e)}` }),
      );
  };
  const busy = outcome?.kind === 'busy';
  return (
    <tr data-testid="parked-row" data-parked-id={b.id} data-key={b.idempotencyKey}>
      <td className="nowrap" title={formatDateTime(b.parkedAt)}>
        {formatAgo(b.parkedAt, now)}
      </td>
      <td className="num">{formatCount(b.readings)}</td>
      <td className="num">{formatCount(b.events)}</td>
      <td className="num">{formatBytes(b.bytes)}</td>
      <td className="mono small nowrap">
        {b.firstSeq}–{b.lastSeq}
      </td>
      <td className="detail last-error" title={b.error}>
        {b.error}
        {outcome?.kind === 'error' && (
          <div className="form-error" role="alert" data-testid="parked-retry-error">
            {outcome.text}
          </div>
        )}
      </td>
      <td className="mono small" title={b.idempotencyKey}>
        {b.idempotencyKey.slice(0, 12)}…
      </td>
      <td className="nowrap actions">
        <button
          type="button"
          className="small-button"
          onClick={retry}
          disabled={busy}
          data-testid="parked-retry"
        >
          {busy ? 'Retrying…' : 'Retry'}
        </button>{' '}
        <button
          type="button"
          className="small-button"
          onClick={() => onDiscard(b)}
          disabled={busy}
          data-testid="parked-discard"
        >
          Discard
        </button>
      </td>
    </tr>
  );
}

export function ParkedBatches({ batches, now }: { batches: ParkedBatch[]; now: number }) {
  const [discarding, setDiscarding] = useState<ParkedBatch | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const discard = (b: ParkedBatch) => {
    setBusy(true);
    setError(null);
    engine()
      .request('sync.discardParked', { id: b.id })
      .then(
        (r) => {
          if (!r.ok) setError('The engine no longer has this batch (already retried or discarded).');
          else setDiscarding(null);
          refreshParked(engine());
        },
        (e: unknown) => setError(`Could not discard: ${errorMessage(e)}`),
      )
      .finally(() => setBusy(false));
  };
  if (batches.length === 0) return null;
  return (
    <div className="sync-parked" data-testid="parked-batches">
      <h3 className="sync-subtitle">
        Parked batches <span className="muted">({batches.length})</span>
      </h3>
      <p className="muted small">
        The receiver refused these and retrying by itself would not help. Fix the cause (a rejected payload,
        an expired token), then Retry: the batch goes again with the same Idempotency-Key.
      </p>
      <table className="grid">
        <thead>
          <tr>
            <th>Parked</th>
            <th className="num">Readings</th>
            <th className="num">Events</th>
            <th className="num">Size</th>
            <th>Outbox seq</th>
            <th>Answer</th>
            <th>Idempotency-Key</th>
            <th>
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {batches.map((b) => (
            <ParkedRow
              key={b.id}
              batch={b}
              now={now}
              onDiscard={(x) => {
                setError(null);
                setDiscarding(x);
              }}
            />
          ))}
        </tbody>
      </table>
      {discarding && (
        <ConfirmDialog
          title="Discard this batch?"
          confirmLabel="Discard"
          busyLabel="Discarding…"
          busy={busy}
          error={error}
          onConfirm={() => discard(discarding)}
          onCancel={() => setDiscarding(null)}
          testId="discard-dialog"
        >
          <p>
            {formatCount(discarding.readings)} readings and {formatCount(discarding.events)} events (outbox{' '}
            {discarding.firstSeq}–{discarding.lastSeq}) will never reach this sink. The local store keeps its
            own copy of the readings. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}
