/**
 * A device's firmware history: every local flash and rollout that changed, or tried to
 * change, what it runs, newest first. Asked again when a flash of this device ends and
 * every few seconds, so a rollout's outcome shows up without a reload.
 */
import { useEffect, useState } from 'react';
import { formatDateTime } from '../format';
import { engine } from '../rpc/engine';
import { usePoll } from '../tools/use-poll';
import { changeText, OUTCOME_CLASS, OUTCOME_TEXT, sourceText } from './firmware-history-view';

const REFRESH_MS = 5000;

export function FirmwareHistoryList({
  deviceId,
  refreshKey = '',
}: {
  deviceId: string;
  refreshKey?: string;
}) {
  const [flashed, setFlashed] = useState('');
  useEffect(
    () =>
      engine().subscribe('flash.progress', undefined, (job) => {
        if (job.deviceId === deviceId && job.state === 'finished') setFlashed(`${job.id}:${job.endedAt}`);
      }),
    [deviceId],
  );
  const { data, error } = usePoll(
    () => engine().request('devices.firmwareHistory', { deviceId }),
    REFRESH_MS,
    `${deviceId}\n${refreshKey}\n${flashed}`,
  );
  if (error && !data) return <p className="form-error">Could not load the firmware history: {error}</p>;
  if (data === null) return <p className="muted">loading…</p>;
  if (data.length === 0)
    return (
      <p className="muted" data-testid="firmware-history-empty">
        No firmware update recorded for this device.
      </p>
    );
  return (
    <table className="grid firmware-history" data-testid="firmware-history">
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Version</th>
          <th scope="col">How</th>
          <th scope="col">Outcome</th>
        </tr>
      </thead>
      <tbody>
        {data.map((e) => (
          <tr key={e.seq} data-testid="firmware-history-entry" data-outcome={e.outcome}>
            <td className="mono">{formatDateTime(e.at)}</td>
            <td className="mono" title={`SHA-256 ${e.sha256}`}>
              {changeText(e)}
            </td>
            <td title={e.campaignId ? `campaign ${e.campaignId}` : undefined}>{sourceText(e)}</td>
            <td>
              <span className={OUTCOME_CLASS[e.outcome]}>{OUTCOME_TEXT[e.outcome]}</span>
              {e.reason && <div className="muted small firmware-history-reason">{e.reason}</div>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The device page's panel around the list. */
export function FirmwareHistoryPanel({ deviceId }: { deviceId: string }) {
  return (
    <section className="panel firmware-history-panel" aria-label="Firmware history">
      <h2 className="section-title">Firmware history</h2>
      <FirmwareHistoryList deviceId={deviceId} />
    </section>
  );
}
