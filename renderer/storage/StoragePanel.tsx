/**
 * The local cache at a glance: how big, how much, how old, whether anything is being
 * lost (spilled readings, failed writes), and how long each resolution is kept. Polls
 * every 2 s while open.
 */
import { type ReactNode, useEffect } from 'react';
import type { IngestStats, StoreStatus } from '../../common/contract';
import { formatAgo, formatBytes, formatCount, formatDateTime } from '../format';
import { engine } from '../rpc/engine';
import { useNow } from '../state/clock';
import { PANEL_POLL_MS, startStoreHealthPolling, useStoreHealth } from '../state/store-health';
import { InstallationId } from '../sync/InstallationId';
import { ThemePicker } from '../theme/ThemePicker';
import { DataFolderRow } from '../views/DataFolder';
import { RetentionForm } from './RetentionForm';

function Row({
  label,
  children,
  testId,
  bad,
}: {
  label: string;
  children: ReactNode;
  testId?: string;
  bad?: boolean;
}) {
  return (
    <tr>
      <th scope="row">{label}</th>
      <td className={bad ? 'num flagged' : 'num'} data-testid={testId}>
        {children}
      </td>
    </tr>
  );
}

function When({ ts, now, none = 'none yet' }: { ts: number | null; now: number; none?: string }) {
  if (ts === null) return <span className="muted">{none}</span>;
  return (
    <span title={new Date(ts).toISOString()}>
      {formatDateTime(ts)} <span className="muted">({formatAgo(ts, now)})</span>
    </span>
  );
}

function CacheTable({ status }: { status: StoreStatus }) {
  const now = useNow();
  return (
    <table className="grid kv">
      <caption>Local cache</caption>
      <tbody>
        <Row label="State" bad={!status.ok}>
          {status.ok ? 'ok' : `unavailable: ${status.error ?? 'unknown error'}`}
        </Row>
        <DataFolderRow />
        <Row label="File">
          <span className="mono">{status.file}</span>
        </Row>
        <Row label="Size on disk" testId="store-size">
          {formatBytes(status.databaseBytes)}
        </Row>
        <Row label="Readings stored">{formatCount(status.readings)}</Row>
        <Row label="Pending (not yet compacted)">{formatCount(status.pendingReadings)}</Row>
        <Row label="Oldest raw reading" testId="oldest-raw">
          {/* readings still in the ingest log are not in blocks yet, and the engine counts only blocks */}
          <When
            ts={status.oldestRaw}
            now={now}
            none={status.pendingReadings > 0 ? 'none compacted yet' : 'none yet'}
          />
        </Row>
        <Row label="Oldest rollup">
          <When ts={status.oldestRollup} now={now} />
        </Row>
        <Row label="Newest reading" testId="newest">
          <When ts={status.newest} now={now} />
        </Row>
        <Row label="Retention last ran">
          <When ts={status.lastRetentionRun} now={now} />
        </Row>
      </tbody>
    </table>
  );
}

function IngestTable({ stats }: { stats: IngestStats }) {
  return (
    <table className="grid kv">
      <caption>Ingest</caption>
      <tbody>
        <Row label="Received">{formatCount(stats.received)}</Row>
        <Row label="Stored">{formatCount(stats.stored)}</Row>
        <Row label="Waiting to be written">{formatCount(stats.queued)}</Row>
        <Row label="Spilled (dropped, store too far behind)" testId="spilled" bad={stats.spilled > 0}>
          {formatCount(stats.spilled)}
        </Row>
        <Row label="Failed writes (retried)" testId="write-errors" bad={stats.writeErrors > 0}>
          {formatCount(stats.writeErrors)}
        </Row>
        <Row label="Duplicates dropped">{formatCount(stats.duplicates)}</Row>
        <Row label="Flagged">{formatCount(stats.flagged)}</Row>
        <Row label="Last batch">{stats.lastBatchMs.toFixed(1)} ms</Row>
      </tbody>
    </table>
  );
}

export function StoragePanel() {
  const { status, stats, statusError, statsError } = useStoreHealth();
  useEffect(() => startStoreHealthPolling(engine(), PANEL_POLL_MS), []);
  return (
    <section className="page" data-testid="storage-panel">
      <div className="page-head">
        <h1>Storage</h1>
        <span className="muted">updated every 2 s</span>
      </div>
      <InstallationId />
      <ThemePicker />
      {statusError && (
        <div className="notice notice-warn">Could not read the store status: {statusError}</div>
      )}
      {statsError && (
        <div className="notice notice-warn">Could not read the ingest figures: {statsError}</div>
      )}
      <div className="storage-tables">
        {status ? <CacheTable status={status} /> : !statusError && <p className="empty">Loading…</p>}
        {stats && <IngestTable stats={stats} />}
      </div>
      {status && <RetentionForm retention={status.retention} />}
    </section>
  );
}
