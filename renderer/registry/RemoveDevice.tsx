/**
 * Remove device: asks whether its readings stay (queryable, and back if the device reports
 * again) or go for good, says that a device still reporting is discovered again, and
 * warns when the device still holds a credential (decommission it first). The engine
 * audits the removal and refuses it while the credential still works.
 */
import { useState } from 'react';
import type { RegistryDevice } from '../../common/registry-contract';
import { engine } from '../rpc/engine';
import { ConfirmDialog } from '../tools/ConfirmDialog';
import { errorMessage } from '../tools/use-poll';

type Readings = 'keep' | 'purge';

export function RemoveDevice({
  deviceId,
  name,
  onRemoved,
}: {
  deviceId: string;
  name: string;
  onRemoved(): void;
}) {
  const [open, setOpen] = useState(false);
  const [readings, setReadings] = useState<Readings>('keep');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [record, setRecord] = useState<RegistryDevice | null>(null);

  const start = () => {
    setReadings('keep');
    setError(null);
    setRecord(null);
    setOpen(true);
    engine()
      .request('registry.get', { deviceId })
      .then(setRecord, () => {});
  };
  const confirm = () => {
    setBusy(true);
    setError(null);
    engine()
      .request('registry.remove', { deviceId, readings })
      .then(
        () => {
          setBusy(false);
          setOpen(false);
          onRemoved();
        },
        (e: unknown) => {
          setBusy(false);
          setError(errorMessage(e));
        },
      );
  };
  const holdsCredential = record?.credential != null && record.lifecycle !== 'decommissioned';

  return (
    <>
      <button type="button" className="small-button" onClick={start} data-testid="remove-device">
        Remove device…
      </button>
      {open && (
        <ConfirmDialog
          title={`Remove ${name}?`}
          confirmLabel={readings === 'purge' ? 'Remove and delete readings' : 'Remove, keep readings'}
          busyLabel="Removing…"
          busy={busy}
          error={error}
          onConfirm={confirm}
          onCancel={() => setOpen(false)}
          testId="remove-device-dialog"
          confirmTestId="remove-device-confirm"
          focusCancel={false}
        >
          {holdsCredential && (
            <p className="notice notice-warn" role="alert" data-testid="remove-device-credential">
              {name} still holds a credential that lets it reach the broker. Decommission it first (lifecycle
              above), which retires its credentials; then remove it.
            </p>
          )}
          <p>
            <span className="mono">{deviceId}</span> leaves the fleet and the registry; the audit log records
            who removed it and what happened to its readings. If it is still reporting, it shows up again as a
            newly discovered device.
          </p>
          <fieldset className="kind-picker">
            <legend>Its readings</legend>
            <label className="check">
              <input
                type="radio"
                name="remove-readings"
                checked={readings === 'keep'}
                onChange={() => setReadings('keep')}
                data-testid="remove-keep"
              />{' '}
              Keep them: still in exports and charts if the device comes back
            </label>
            <label className="check">
              <input
                type="radio"
                name="remove-readings"
                checked={readings === 'purge'}
                onChange={() => setReadings('purge')}
                data-testid="remove-purge"
              />{' '}
              Delete them for good (readings already queued for the cloud are still sent)
            </label>
          </fieldset>
        </ConfirmDialog>
      )}
    </>
  );
}
