/**
 * One device in the registry: identity, lifecycle and the moves it allows, name, site and
 * tags to edit, desired vs reported configuration with the differences first and marked,
 * heartbeat and health, credential (warning under 30 days to expiry), and its audit trail.
 */
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import type { AuditEntryView, Lifecycle, RegistryDevice } from '../../common/registry-contract';
import { AuditEntries } from '../audit/AuditEntries';
import { FirmwareHistoryList } from '../firmware/FirmwareHistory';
import { formatAgo, formatDateTime } from '../format';
import { hrefFor } from '../router';
import { engine } from '../rpc/engine';
import { Field } from '../tools/Field';
import { FormActions, type FormOutcome } from '../tools/FormActions';
import { errorMessage } from '../tools/use-poll';
import { CONFIG_ROW_LABELS, configRows } from './config-diff';
import {
  allowedTransitions,
  type DeviceEditErrors,
  type DeviceEditFields,
  editFieldsFrom,
  expiryOf,
  formatBattery,
  formatRssi,
  formatUptime,
  parseDeviceEdit,
} from './device-facts';
import { RemoveDevice } from './RemoveDevice';
import { RotateCertificate } from './RotateCertificate';

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children ?? <span className="muted">—</span>}</dd>
    </div>
  );
}

function LifecycleControls({
  device,
  onDevice,
}: {
  device: RegistryDevice;
  onDevice(d: RegistryDevice): void;
}) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState<Lifecycle | null>(null);
  const [error, setError] = useState<string | null>(null);
  const move = (lifecycle: Lifecycle) => {
    if (
      lifecycle === 'decommissioned' &&
      !window.confirm(
        `Decommission ${device.name}? It is taken out of the fleet; its credential should be revoked.`,
      )
    )
      return;
    setBusy(lifecycle);
    setError(null);
    engine()
      .request('registry.setLifecycle', {
        deviceId: device.id,
        lifecycle,
        ...(reason.trim() ? { reason: reason.trim() } : {}),
      })
      .then(
        (d) => {
          setReason('');
          onDevice(d);
        },
        (e: unknown) => setError(errorMessage(e)),
      )
      .finally(() => setBusy(null));
  };
  const moves = allowedTransitions(device.lifecycle);
  return (
    <div className="lifecycle-controls">
      <span className={`badge lifecycle-${device.lifecycle}`} data-testid="detail-lifecycle">
        {device.lifecycle}
      </span>
      {moves.map((l) => (
        <button
          key={l}
          type="button"
          className="small-button"
          disabled={busy !== null}
          onClick={() => move(l)}
          data-testid={`lifecycle-${l}`}
        >
          {busy === l ? '…' : `→ ${l}`}
        </button>
      ))}
      {moves.length > 0 && (
        <input
          className="lifecycle-reason"
          placeholder="reason (optional)"
          aria-label="Reason for the lifecycle change"
          value={reason}
          maxLength={500}
          onChange={(e) => setReason(e.target.value)}
        />
      )}
      {error && (
        <span className="form-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

/** Every profile the engine knows, for the picker; the device's own stays listed even if unknown. */
function useProfileChoices(): { id: string; label: string }[] | string {
  const [choices, setChoices] = useState<{ id: string; label: string }[] | string>([]);
  useEffect(() => {
    let live = true;
    engine()
      .request('profiles.list')
      .then(
        (list) =>
          live &&
          setChoices(
            list.map((p) => ({
              id: p.id,
              label: `${p.name} (${p.id})${p.metrics.length ? ` · ${p.metrics.map((m) => m.unit || m.name).join(', ')}` : ''}`,
            })),
          ),
        (e: unknown) => live && setChoices(`could not list the profiles: ${errorMessage(e)}`),
      );
    return () => {
      live = false;
    };
  }, []);
  return choices;
}

function EditForm({ device, onDevice }: { device: RegistryDevice; onDevice(d: RegistryDevice): void }) {
  const profiles = useProfileChoices();
  const [fields, setFields] = useState<DeviceEditFields>(() => editFieldsFrom(device));
  const [dirty, setDirty] = useState(false);
  const [errors, setErrors] = useState<DeviceEditErrors>({});
  const [saving, setSaving] = useState(false);
  const [outcome, setOutcome] = useState<FormOutcome>(null);
  useEffect(() => {
    if (!dirty) setFields(editFieldsFrom(device));
  }, [device, dirty]);
  const edit = (name: keyof DeviceEditFields, value: string) => {
    setFields((f) => ({ ...f, [name]: value }));
    setDirty(true);
    setOutcome(null);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = parseDeviceEdit(device, fields);
    if (!parsed.ok) {
      setErrors(parsed.errors);
      return;
    }
    setErrors({});
    if (!parsed.changed) {
      setDirty(false);
      setOutcome({ kind: 'ok', text: 'Nothing changed.' });
      return;
    }
    setSaving(true);
    engine()
      .request('registry.update', parsed.update)
      .then(
        (d) => {
          setDirty(false);
          setOutcome({ kind: 'ok', text: 'Saved.' });
          onDevice(d);
        },
        // the typed text stays in the form: nothing is lost on a failed save
        (e: unknown) => setOutcome({ kind: 'error', text: `Could not save: ${errorMessage(e)}` }),
      )
      .finally(() => setSaving(false));
  };
  return (
    <form className="device-edit" onSubmit={submit} noValidate data-testid="device-edit">
      <div className="form-grid">
        {(['name', 'site', 'tags'] as const).map((name) => (
          <Field
            key={name}
            label={name === 'tags' ? 'Tags (comma separated)' : name[0]!.toUpperCase() + name.slice(1)}
          >
            <input
              value={fields[name]}
              // as RegistryUpdateSchema allows; tags: 50 of at most 64 characters, with separators
              maxLength={name === 'tags' ? 50 * 66 : 200}
              aria-invalid={errors[name] ? true : undefined}
              onChange={(e) => edit(name, e.target.value)}
              data-testid={`edit-${name}`}
            />
            {errors[name] && <span className="field-error">{errors[name]}</span>}
          </Field>
        ))}
        <Field label="Profile" hint="units and limits for its metrics">
          <select
            value={fields.profile}
            onChange={(e) => edit('profile', e.target.value)}
            data-testid="edit-profile"
          >
            <option value="">(none)</option>
            {typeof profiles !== 'string' &&
              !profiles.some((p) => p.id === fields.profile) &&
              fields.profile !== '' && <option value={fields.profile}>{fields.profile} (unknown)</option>}
            {typeof profiles !== 'string' &&
              profiles.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.label}
                </option>
              ))}
          </select>
          {typeof profiles === 'string' && <span className="field-error">{profiles}</span>}
          <a href={hrefFor({ name: 'profiles', profileId: null })} className="small">
            manage profiles
          </a>
        </Field>
      </div>
      <FormActions
        saveLabel="Save"
        saving={saving}
        saveDisabled={saving || !dirty}
        dirty={dirty}
        onReset={() => {
          setDirty(false);
          setErrors({});
          setFields(editFieldsFrom(device));
        }}
        outcome={outcome}
      />
    </form>
  );
}

function ConfigTable({ device }: { device: RegistryDevice }) {
  const rows = configRows(device.desiredConfig, device.reportedConfig, device.configDiff);
  if (rows.length === 0) return <p className="muted">No configuration recorded.</p>;
  return (
    <table className="grid config-diff" data-testid="config-diff">
      <thead>
        <tr>
          <th>Key</th>
          <th>Desired</th>
          <th>Reported</th>
          <th>
            <span className="visually-hidden">State</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.path} className={`config-${r.kind}`} data-kind={r.kind}>
            <td className="mono">{r.path}</td>
            <td className="mono">{r.desired}</td>
            <td className="mono">{r.reported}</td>
            <td className="small">{r.kind === 'same' ? '' : CONFIG_ROW_LABELS[r.kind]}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function DeviceAudit({ deviceId, version }: { deviceId: string; version: number }) {
  const [entries, setEntries] = useState<AuditEntryView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` re-asks after a change
  useEffect(() => {
    let live = true;
    engine()
      .request('audit.list', { subject: deviceId, limit: 50 })
      .then(
        (page) => live && setEntries(page.entries),
        (e: unknown) => live && setError(errorMessage(e)),
      );
    return () => {
      live = false;
    };
  }, [deviceId, version]);
  if (error) return <p className="form-error">Could not load the audit trail: {error}</p>;
  if (entries === null) return <p className="muted">loading…</p>;
  if (entries.length === 0) return <p className="muted">No changes recorded.</p>;
  return <AuditEntries entries={entries} showSubject={false} />;
}

export function DeviceDetail({
  deviceId,
  now,
  onChanged,
  onClose,
}: {
  deviceId: string;
  now: number;
  onChanged(): void;
  onClose(): void;
}) {
  const [device, setDevice] = useState<RegistryDevice | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const load = useCallback(() => {
    setError(null);
    engine()
      .request('registry.get', { deviceId })
      .then(setDevice, (e: unknown) => setError(errorMessage(e)));
  }, [deviceId]);
  useEffect(load, [load]);

  const onDevice = (d: RegistryDevice) => {
    setDevice(d);
    setVersion((v) => v + 1);
    onChanged();
  };

  return (
    <aside className="panel device-detail" aria-label="Device detail" data-testid="device-detail">
      <div className="toolbar">
        <h2 className="section-title">{device?.name ?? deviceId}</h2>
        <a href={hrefFor({ name: 'device', deviceId })} className="small">
          charts
        </a>
        <button
          type="button"
          className="small-button detail-close"
          onClick={onClose}
          aria-label="Close detail"
        >
          ✕
        </button>
      </div>
      {error && (
        <div className="notice notice-error" role="alert">
          Could not load {deviceId}: {error}{' '}
          <button type="button" className="small-button" onClick={load}>
            Retry
          </button>
        </div>
      )}
      {device && (
        <>
          <LifecycleControls device={device} onDevice={onDevice} />
          <dl className="facts">
            <Fact label="Id">
              <span className="mono">{device.id}</span>
            </Fact>
            <Fact label="Profile">{device.profile}</Fact>
            <Fact label="Serial number">{device.serialNumber}</Fact>
            <Fact label="Hardware">{device.hardwareVersion}</Fact>
            <Fact label="Firmware">{device.firmwareVersion}</Fact>
            <Fact label="Transport">{device.transport}</Fact>
            <Fact label="Commissioned">
              {device.commissionedAt === null ? null : formatDateTime(device.commissionedAt)}
            </Fact>
          </dl>
          <h3 className="detail-heading">Edit</h3>
          <EditForm device={device} onDevice={onDevice} />
          <h3 className="detail-heading">Health</h3>
          <dl className="facts">
            <Fact label="Last heartbeat">
              <span title={device.lastHeartbeat === null ? '' : formatDateTime(device.lastHeartbeat)}>
                {formatAgo(device.lastHeartbeat, now)}
              </span>
            </Fact>
            <Fact label="Last reading">{formatAgo(device.lastSeen, now)}</Fact>
            <Fact label="RSSI">{formatRssi(device.health.rssi)}</Fact>
            <Fact label="Battery">{formatBattery(device.health.battery)}</Fact>
            <Fact label="Uptime">{formatUptime(device.health.uptimeS)}</Fact>
            <Fact label="Errors">
              <span className={device.health.errors > 0 ? 'flagged' : undefined}>{device.health.errors}</span>
            </Fact>
          </dl>
          <h3 className="detail-heading">Credential</h3>
          {device.credential === null ? (
            <p className="muted">No credential issued.</p>
          ) : (
            <dl className="facts" data-testid="detail-credential">
              <Fact label="Kind">{device.credential.kind === 'x509' ? 'X.509 certificate' : 'PSK'}</Fact>
              <Fact label="Fingerprint">
                <span className="mono fingerprint">{device.credential.fingerprint}</span>
              </Fact>
              <Fact label="Serial">{device.credential.serial}</Fact>
              <Fact label="Expires">
                {(() => {
                  const e = expiryOf(device.credential.expires, now);
                  return (
                    <span className={`expiry expiry-${e.level}`} data-testid="credential-expiry">
                      {device.credential.expires !== null &&
                        `${formatDateTime(device.credential.expires).slice(0, 10)} · `}
                      {e.level === 'warn' || e.level === 'expired' ? '⚠ ' : ''}
                      {e.text}
                    </span>
                  );
                })()}
              </Fact>
            </dl>
          )}
          {/* keyed: a half-filled rotation never carries over to another device */}
          <RotateCertificate key={device.id} device={device} onDevice={onDevice} />
          <h3 className="detail-heading">
            Configuration{' '}
            {device.configDiff.length > 0 ? (
              <span className="badge state-stale">{device.configDiff.length} differ</span>
            ) : (
              <span className="badge state-online">in sync</span>
            )}
          </h3>
          <ConfigTable device={device} />
          <h3 className="detail-heading">Firmware history</h3>
          <FirmwareHistoryList deviceId={deviceId} refreshKey={String(version)} />
          <h3 className="detail-heading">Audit trail</h3>
          <DeviceAudit deviceId={deviceId} version={version} />
          <div className="form-actions">
            <RemoveDevice
              deviceId={device.id}
              name={device.name}
              onRemoved={() => {
                onChanged();
                onClose();
              }}
            />
          </div>
        </>
      )}
    </aside>
  );
}
