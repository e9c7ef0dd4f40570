/** The links to the devices: serial ports, the BLE radio, MQTT brokers, and how they fare. */
import { useState } from 'react';
import type { ConnectorStatus } from '../../common/contract';
import { AddConnectorForm } from '../connector-forms/AddConnectorForm';
import { type EditState, editStateFromConfig } from '../connector-forms/edit-fields';
import { formatAgo, formatCount } from '../format';
import { hrefFor } from '../router';
import { engine } from '../rpc/engine';
import { useNow } from '../state/clock';
import { useConnectors } from '../state/connectors';
import { ConfirmDialog } from '../tools/ConfirmDialog';
import { errorMessage } from '../tools/use-poll';
import { ApartCounts } from './ApartCounts';
import { StateBadge } from './StateBadge';

/** Each kind's own tool; the demo site's simulated connectors have none. */
const TOOLS = { serial: 'Monitor', mqtt: 'Topics', ble: 'Devices' } as const;

function ToolLink({ connector: c }: { connector: ConnectorStatus }) {
  if (c.kind !== 'serial' && c.kind !== 'mqtt' && c.kind !== 'ble') return null;
  return (
    <a href={hrefFor({ name: c.kind, connectorId: c.id })} data-testid="connector-tool" className="tool-link">
      {TOOLS[c.kind]}
    </a>
  );
}

/** Remove asks first: a removed connector forgets its config, and its devices stop updating. */
function RemoveButton({ id }: { id: string }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const remove = () => {
    setBusy(true);
    engine()
      .request('connectors.remove', { id })
      .then(
        (r) => {
          if (r.ok) setAsking(false);
          setError(r.ok ? null : 'the engine did not remove it');
        },
        (e: unknown) => setError(errorMessage(e)),
      )
      .finally(() => setBusy(false));
  };
  return (
    <>
      <button
        type="button"
        className="small-button"
        onClick={() => {
          setError(null);
          setAsking(true);
        }}
        data-testid="connector-remove"
      >
        Remove
      </button>
      {asking && (
        <ConfirmDialog
          title={`Remove connector "${id}"?`}
          confirmLabel="Remove"
          busyLabel="Removing…"
          busy={busy}
          error={error}
          onConfirm={remove}
          onCancel={() => setAsking(false)}
          testId="connector-remove-dialog"
        >
          <p>
            Its saved settings and stored secrets are forgotten, and its devices stop updating. Their history
            stays.
          </p>
        </ConfirmDialog>
      )}
      {!asking && error && <div className="flagged small">{error}</div>}
    </>
  );
}

/** Edit loads the saved config first; the demo site's connectors have none and say so. */
function EditButton({ id, onEdit }: { id: string; onEdit(state: EditState): void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const edit = () => {
    setBusy(true);
    engine()
      .request('connectors.get', { id })
      .then(
        ({ kind, config }) => {
          setError(null);
          onEdit(editStateFromConfig(kind, config));
        },
        (e: unknown) => setError(errorMessage(e)),
      )
      .finally(() => setBusy(false));
  };
  return (
    <>
      <button
        type="button"
        className="small-button"
        onClick={edit}
        disabled={busy}
        data-testid="connector-edit"
      >
        Edit
      </button>
      {error && <div className="flagged small">{error}</div>}
    </>
  );
}

interface RowProps {
  connector: ConnectorStatus;
  now: number;
  onEdit(state: EditState): void;
}

function ConnectorRow({ connector: c, now, onEdit }: RowProps) {
  return (
    <tr data-testid="connector-row" data-connector-id={c.id}>
      <td>
        {c.label} <span className="muted mono small">{c.id}</span>
      </td>
      <td>
        <span className={`transport transport-${c.kind}`}>{c.kind}</span>
      </td>
      <td>
        <StateBadge state={c.state} />
      </td>
      <td className="detail" title={c.detail}>
        {c.detail}
      </td>
      <td className="num">{formatCount(c.devices)}</td>
      <td className="num">{formatCount(c.messagesIn)}</td>
      <td className="num">{formatCount(c.readingsIn)}</td>
      <td className="num">
        <span className={c.decodeErrors > 0 ? 'flagged' : undefined} data-testid="decode-errors">
          {formatCount(c.decodeErrors)}
        </span>
        <ApartCounts connector={c} />
      </td>
      <td className="detail last-error" title={c.lastError ?? undefined}>
        {c.lastError ?? <span className="muted">—</span>}
      </td>
      <td className="num nowrap" title={new Date(c.since).toLocaleString()}>
        {formatAgo(c.since, now)}
      </td>
      <td className="nowrap actions">
        <ToolLink connector={c} /> <EditButton id={c.id} onEdit={onEdit} /> <RemoveButton id={c.id} />
      </td>
    </tr>
  );
}

export function ConnectionsView() {
  const { connectors, loaded, error } = useConnectors();
  const now = useNow();
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<EditState | null>(null);
  return (
    <section className="page">
      <div className="page-head">
        <h1>Connections</h1>
        <span className="muted">{loaded ? `${connectors.length} connectors` : 'loading…'}</span>
        {!adding && !editing && (
          <button
            type="button"
            className="primary"
            onClick={() => setAdding(true)}
            data-testid="add-connector"
          >
            Add connector
          </button>
        )}
      </div>
      {adding && (
        <AddConnectorForm
          takenIds={connectors.map((c) => c.id)}
          onClose={() => setAdding(false)}
          onAdded={() => setAdding(false)}
        />
      )}
      {editing && (
        <AddConnectorForm
          // a fresh form per connector: its fields are initialised from `editing` once
          key={editing.id}
          editing={editing}
          takenIds={connectors.map((c) => c.id)}
          onClose={() => setEditing(null)}
          onAdded={() => setEditing(null)}
        />
      )}
      {error && <div className="notice notice-warn">Could not load connectors: {error}</div>}
      <table className="grid">
        <thead>
          <tr>
            <th>Connector</th>
            <th>Kind</th>
            <th>State</th>
            <th>Detail</th>
            <th className="num">Devices</th>
            <th className="num">Messages in</th>
            <th className="num">Readings in</th>
            <th className="num">Decode errors</th>
            <th>Last error</th>
            <th className="num">Since</th>
            <th>
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {connectors.map((c) => (
            <ConnectorRow
              key={c.id}
              connector={c}
              now={now}
              onEdit={(state) => {
                setAdding(false);
                setEditing(state);
              }}
            />
          ))}
        </tbody>
      </table>
      {loaded && connectors.length === 0 && <p className="empty">No connectors configured.</p>}
    </section>
  );
}
