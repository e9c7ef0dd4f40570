/**
 * The Sync page: every cloud sink with its live figures (sync.changed, once a second),
 * add / edit / remove, the link settings shared by all sinks, and down-sync.
 */
import { useEffect, useState } from 'react';
import { formatCount } from '../format';
import { engine } from '../rpc/engine';
import { useNow } from '../state/clock';
import { DownSyncPanel } from './DownSyncPanel';
import { InstallationId } from './InstallationId';
import { SinkCard } from './SinkCard';
import { type SinkEdit, SinkForm } from './SinkForm';
import { SyncSettingsForm } from './SyncSettingsForm';
import { applySinkStatus, startSinkSync, useSyncStore } from './sync-store';

export function SyncView() {
  const { sinks, loaded, error, parked, parkedError } = useSyncStore();
  const now = useNow();
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<SinkEdit | null>(null);
  const [hasDownUrl, setHasDownUrl] = useState(false);
  useEffect(() => startSinkSync(engine()), []);

  // whether any sink pulls from the cloud: the status has no config, so ask once per sink list change
  const ids = sinks.map((s) => s.id).join(',');
  // biome-ignore lint/correctness/useExhaustiveDependencies: the id list is the trigger
  useEffect(() => {
    let live = true;
    Promise.all(sinks.map((s) => engine().request('sync.getSink', { id: s.id })))
      .then((all) => {
        if (live) setHasDownUrl(all.some((s) => s.kind === 'http' && typeof s.config.downUrl === 'string'));
      })
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [ids, editing]);

  const backlog = sinks.reduce((n, s) => n + s.backlog.readings, 0);
  return (
    <section className="page" data-testid="sync-view">
      <div className="page-head">
        <h1>Cloud sync</h1>
        <span className="muted" data-testid="sync-summary">
          {loaded
            ? sinks.length === 0
              ? 'no sinks'
              : `${sinks.length} ${sinks.length === 1 ? 'sink' : 'sinks'} · ${formatCount(backlog)} readings waiting`
            : 'loading…'}
        </span>
        {!adding && !editing && (
          <button type="button" className="primary" onClick={() => setAdding(true)} data-testid="add-sink">
            Add sink
          </button>
        )}
      </div>
      <InstallationId />
      {error && <div className="notice notice-warn">Could not load the sinks: {error}</div>}
      {parkedError && (
        <div className="notice notice-warn">Could not load the parked batches: {parkedError}</div>
      )}
      {adding && (
        <SinkForm
          onClose={() => setAdding(false)}
          onSaved={(status) => {
            applySinkStatus(status);
            setAdding(false);
          }}
        />
      )}
      {editing && (
        <SinkForm
          key={editing.id}
          editing={editing}
          onClose={() => setEditing(null)}
          onSaved={(status) => {
            applySinkStatus(status);
            setEditing(null);
          }}
        />
      )}
      {loaded && sinks.length === 0 && !adding && (
        <p className="empty" data-testid="sync-empty">
          No cloud sinks yet: readings stay in the local store only. A new sink (an HTTPS endpoint or an MQTT
          cloud broker) gets everything recorded from the moment it is added, and whatever the outbox still
          holds for other sinks.
        </p>
      )}
      {sinks.map((s) => (
        <SinkCard
          key={s.id}
          sink={s}
          parked={parked.filter((p) => p.sinkId === s.id)}
          now={now}
          onEdit={(edit) => {
            setAdding(false);
            setEditing(edit);
          }}
        />
      ))}
      <SyncSettingsForm />
      <DownSyncPanel now={now} hasDownUrl={hasDownUrl} />
    </section>
  );
}
