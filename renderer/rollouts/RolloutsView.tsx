/**
 * Fleet rollouts: the broker devices take jobs from, the campaigns with their waves live
 * (rollouts.changed), a create form that previews which devices fall in each wave, and
 * pause / resume / abort / roll back, each confirmed first.
 */
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import type {
  CampaignDetail,
  CampaignSummary,
  RolloutDeviceState,
  RolloutSettings,
} from '../../common/rollout-contract';
import { engine } from '../rpc/engine';
import { ConfirmDialog } from '../tools/ConfirmDialog';
import { Field } from '../tools/Field';
import { errorMessage } from '../tools/use-poll';
import { parseImageServerFields } from './image-server-fields';
import { EMPTY_FIELDS, type FieldErrors, parseRolloutFields, type RolloutFields } from './rollout-form';

type DemoImage = { label: string; sha256: string; version: string };
type Preview = {
  campaignId: string;
  total: number;
  waves: { wave: number; pct: number; deviceIds: string[] }[];
};
type Action = 'pause' | 'resume' | 'abort' | 'rollback';

const ACTIONS: Record<Action, { label: string; busy: string; ask: string }> = {
  pause: {
    label: 'Pause',
    busy: 'Pausing…',
    ask: 'No new wave starts until you resume. Devices mid-update finish.',
  },
  resume: {
    label: 'Resume',
    busy: 'Resuming…',
    ask: 'The next wave starts when the current one has passed.',
  },
  abort: {
    label: 'Abort',
    busy: 'Aborting…',
    ask: 'No more devices are offered the update; devices mid-update finish and are reported. This cannot be undone.',
  },
  rollback: {
    label: 'Roll back',
    busy: 'Rolling back…',
    ask: 'Every device the campaign updated or started is sent back to the version it had before. This cannot be undone.',
  },
};

const STATE_CLASS: Partial<Record<string, string>> = {
  succeeded: 'state-online',
  completed: 'state-online',
  already_installed: 'state-online',
  rolled_back: 'state-offline',
  failed: 'state-error',
  timed_out: 'state-error',
  rejected: 'state-error',
  halted: 'state-error',
  aborted: 'state-error',
  notified: 'state-connecting',
  downloading: 'state-connecting',
  installing: 'state-connecting',
  rebooting: 'state-connecting',
  verifying: 'state-connecting',
  running: 'state-connecting',
};

function StateBadge({ state }: { state: string }) {
  return <span className={`badge ${STATE_CLASS[state] ?? ''}`}>{state.replace('_', ' ')}</span>;
}

function imageServerStatus(s: RolloutSettings['imageServer']): string {
  if (!s) return 'off: devices fetch images in chunks over MQTT';
  return s.url ? `devices fetch images from ${s.url}<sha256> (mutual TLS)` : (s.error ?? 'not serving');
}

function BrokerSettings() {
  const [url, setUrl] = useState('');
  const [imageHost, setImageHost] = useState('');
  const [imagePort, setImagePort] = useState('8443');
  const [status, setStatus] = useState<RolloutSettings>();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [imageError, setImageError] = useState<{ field: 'host' | 'port'; error: string } | null>(null);
  useEffect(() => {
    engine()
      .request('rollouts.settings')
      .then((s) => {
        setStatus(s);
        setUrl(s.brokerUrl ?? '');
        if (s.imageServer) {
          setImageHost(s.imageServer.host);
          setImagePort(String(s.imageServer.port));
        }
      })
      .catch((e: unknown) => setError(errorMessage(e)));
  }, []);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const image = parseImageServerFields(imageHost, imagePort);
    setImageError(image.ok ? null : image);
    if (!image.ok) return;
    setSaving(true);
    try {
      setStatus(
        await engine().request('rollouts.configure', {
          brokerUrl: url.trim() === '' ? null : url.trim(),
          imageServer: image.value,
        }),
      );
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setSaving(false);
    }
  };
  return (
    <form className="panel" onSubmit={(e) => void save(e)} noValidate data-testid="rollout-broker">
      <h2 className="section-title">Job broker</h2>
      <div className="form-grid">
        <Field
          label="Broker URL"
          hint="the plant broker your devices take jobs from, mqtt:// or mqtts://"
          error={error ?? undefined}
        >
          <input
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            placeholder="mqtt://broker.plant:1883"
            data-testid="rollout-broker-url"
          />
        </Field>
        <Field
          label="Image server address"
          hint="optional: this computer's address on the plant network; devices then fetch images over HTTPS with their project-CA certificate"
          error={imageError?.field === 'host' ? imageError.error : undefined}
        >
          <input
            value={imageHost}
            onChange={(e) => setImageHost(e.target.value)}
            placeholder="10.0.0.5 (empty: off)"
            data-testid="rollout-image-host"
          />
        </Field>
        <Field label="Image server port" error={imageError?.field === 'port' ? imageError.error : undefined}>
          <input
            value={imagePort}
            onChange={(e) => setImagePort(e.target.value)}
            inputMode="numeric"
            data-testid="rollout-image-port"
          />
        </Field>
      </div>
      <div className="form-actions">
        <button type="submit" disabled={saving}>
          {saving ? 'Connecting…' : 'Save'}
        </button>
        <span className={status?.connected ? 'form-ok' : 'muted'} data-testid="rollout-broker-status">
          {status === undefined
            ? 'loading…'
            : status.connected
              ? `connected to ${status.brokerUrl}`
              : (status.error ?? 'no broker set: rollouts cannot start')}
        </span>
        {status && (
          <span className={status.imageServer?.url ? 'form-ok' : 'muted'} data-testid="rollout-image-status">
            {imageServerStatus(status.imageServer)}
          </span>
        )}
      </div>
    </form>
  );
}

function CreateForm({ onCreated, onCancel }: { onCreated(c: CampaignDetail): void; onCancel(): void }) {
  const [fields, setFields] = useState<RolloutFields>(EMPTY_FIELDS);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [preview, setPreview] = useState<Preview | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [demoImages, setDemoImages] = useState<DemoImage[]>([]);
  const [allowUnknownTarget, setAllowUnknownTarget] = useState(false);
  useEffect(() => {
    engine()
      .request('rollouts.settings')
      .then((s) => setDemoImages(s.demoImages))
      .catch(() => {});
  }, []);
  const edit = (change: Partial<RolloutFields>) => {
    setFields((f) => ({ ...f, ...change }));
    // the preview belongs to the fields it was made from
    setPreview(null);
  };
  const parsed = () => {
    const r = parseRolloutFields(fields);
    setErrors(r.ok ? {} : r.errors);
    return r.ok ? { ...r.config, allowUnknownTarget } : null;
  };
  const runPreview = async (e: FormEvent) => {
    e.preventDefault();
    const config = parsed();
    if (!config) return;
    setBusy(true);
    setError(null);
    try {
      setPreview(await engine().request('rollouts.preview', { config }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const create = async () => {
    const config = parsed();
    if (!config || !preview) return;
    setBusy(true);
    setError(null);
    try {
      onCreated(await engine().request('rollouts.create', { config, campaignId: preview.campaignId }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const text = (key: keyof RolloutFields, label: string, hint?: string, placeholder?: string) => (
    <Field label={label} hint={hint} error={errors[key]}>
      <input
        value={fields[key]}
        placeholder={placeholder}
        onChange={(e) => edit({ [key]: e.target.value })}
        data-testid={`rollout-${key}`}
      />
    </Field>
  );
  return (
    <form className="panel" onSubmit={(e) => void runPreview(e)} noValidate data-testid="rollout-form">
      <h2 className="section-title">New rollout</h2>
      {demoImages.length > 0 && (
        <p className="muted">
          Demo images:{' '}
          {demoImages.map((image) => (
            <button
              key={image.sha256}
              type="button"
              className="small-button"
              onClick={() => edit({ name: image.label, sha256: image.sha256, version: image.version })}
              data-testid="rollout-demo-image"
            >
              {image.label}
            </button>
          ))}
        </p>
      )}
      <div className="form-grid">
        {text('name', 'Name')}
        {text('version', 'Firmware version', 'as the image carries it')}
        <div className="form-wide">
          {text('sha256', 'Image SHA-256', 'the image in the firmware library')}
        </div>
        {text('site', 'Site', 'empty: every site')}
        {text('profile', 'Profile', 'empty: every profile')}
        {text('tag', 'Tag', 'empty: any tag')}
        {text('currentVersion', 'Current version', 'only devices running this now')}
        {text('waves', 'Waves (cumulative %)')}
        {text('successPct', 'Success threshold %', 'of a wave, before the next starts')}
        {text('failCount', 'Stop after failures', 'devices failed, timed out or rejected')}
        {text('failPct', 'or failure share %')}
        {text('minExecuted', 'counted after', 'devices finished')}
        {text('soakMin', 'Soak time (min)', 'for the heartbeat on the new version')}
        {text('timeoutMin', 'Device timeout (min)')}
        {text('windowStart', 'Window start (UTC)', 'empty: any time', '22:00')}
        {text('windowEnd', 'Window end (UTC)', undefined, '04:00')}
      </div>
      <label className="small">
        <input
          type="checkbox"
          checked={allowUnknownTarget}
          onChange={(e) => {
            setAllowUnknownTarget(e.target.checked);
            setPreview(null);
          }}
          data-testid="rollout-allow-unknown-target"
        />{' '}
        Also send it to devices whose hardware is not known (no firmware target in their profile), or when the
        image names none. Devices of another model never get it: they are marked incompatible. Recorded in the
        audit log.
      </label>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {preview && (
        <table className="grid" data-testid="rollout-preview">
          <caption>{`${preview.total} devices match`}</caption>
          <thead>
            <tr>
              <th>Wave</th>
              <th className="num">Reaches</th>
              <th className="num">Devices</th>
              <th>First devices</th>
            </tr>
          </thead>
          <tbody>
            {preview.waves.map((w) => (
              <tr key={w.wave}>
                <td>{w.wave + 1}</td>
                <td className="num">{w.pct} %</td>
                <td className="num">{w.deviceIds.length}</td>
                <td className="mono">
                  {w.deviceIds.slice(0, 5).join(', ')}
                  {w.deviceIds.length > 5 ? ` and ${w.deviceIds.length - 5} more` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="form-actions">
        <button type="submit" disabled={busy} data-testid="rollout-preview-button">
          Preview waves
        </button>
        <button
          type="button"
          className="primary"
          disabled={busy || !preview || preview.total === 0}
          onClick={() => setConfirming(true)}
          data-testid="rollout-start"
        >
          Start rollout…
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
      {confirming && preview && (
        <ConfirmDialog
          title={`Start “${fields.name.trim()}”?`}
          confirmLabel="Start rollout"
          busyLabel="Starting…"
          busy={busy}
          error={error}
          onConfirm={() => void create().then(() => setConfirming(false))}
          onCancel={() => setConfirming(false)}
          testId="rollout-start-confirm"
        >
          <p>
            {`${preview.total} devices will get ${fields.version.trim()}, ${preview.waves[0]?.deviceIds.length ?? 0} in the first wave. `}
            The campaign stops and rolls back its failed devices by itself when a failure threshold is
            crossed.
          </p>
        </ConfirmDialog>
      )}
    </form>
  );
}

function CampaignPanel({
  campaign,
  onChanged,
}: {
  campaign: CampaignDetail;
  onChanged(c: CampaignDetail): void;
}) {
  const [action, setAction] = useState<Action | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [showAll, setShowAll] = useState(false);
  const run = async () => {
    if (!action) return;
    setBusy(true);
    setError(null);
    try {
      onChanged(await engine().request(`rollouts.${action}`, { campaignId: campaign.id }));
      setAction(null);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const allowed: Action[] = [];
  if (campaign.state === 'running') allowed.push('pause', 'abort');
  if (campaign.state === 'paused') allowed.push('resume', 'abort');
  if (campaign.state !== 'rolled_back') allowed.push('rollback');
  const attention = (s: RolloutDeviceState) =>
    s !== 'pending' && s !== 'succeeded' && s !== 'already_installed';
  const devices = showAll
    ? campaign.devices
    : campaign.devices.filter((d) => attention(d.state)).slice(0, 500);
  return (
    <section className="panel" data-testid="rollout-detail">
      <div className="page-head">
        <h2>{campaign.name}</h2>
        <StateBadge state={campaign.state} />
        <span className="muted">{`${campaign.firmware.version} · ${campaign.total} devices`}</span>
        {allowed.map((a) => (
          <button
            key={a}
            type="button"
            className={a === 'rollback' || a === 'abort' ? 'danger' : undefined}
            onClick={() => setAction(a)}
            data-testid={`rollout-${a}`}
          >
            {ACTIONS[a].label}…
          </button>
        ))}
      </div>
      {campaign.reason && (
        <div
          className={`notice ${campaign.state === 'halted' ? 'notice-error' : 'notice-info'}`}
          data-testid="rollout-reason"
        >
          {campaign.reason}
        </div>
      )}
      <table className="grid" data-testid="rollout-waves">
        <thead>
          <tr>
            <th>Wave</th>
            <th className="num">Reaches</th>
            <th className="num">Devices</th>
            <th>Status</th>
            <th>Device states</th>
          </tr>
        </thead>
        <tbody>
          {campaign.waves.map((w) => (
            <tr key={w.wave}>
              <td>{w.wave + 1}</td>
              <td className="num">{w.pct} %</td>
              <td className="num">{w.size}</td>
              <td>
                <StateBadge state={w.status} />
              </td>
              <td>
                {Object.entries(w.counts)
                  .map(([state, n]) => `${n} ${state.replace('_', ' ')}`)
                  .join(' · ')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3 className="section-title">
        {showAll ? 'Every device' : 'Devices in progress or failed'}{' '}
        <button type="button" className="small-button" onClick={() => setShowAll((v) => !v)}>
          {showAll ? 'Show only those needing attention' : 'Show all'}
        </button>
      </h3>
      <table className="grid" data-testid="rollout-devices">
        <thead>
          <tr>
            <th>Device</th>
            <th className="num">Wave</th>
            <th>State</th>
            <th>From</th>
            <th>Reason</th>
            <th>Rollback</th>
          </tr>
        </thead>
        <tbody>
          {devices.map((d) => (
            <tr key={d.deviceId}>
              <td className="mono">{d.deviceId}</td>
              <td className="num">{d.wave + 1}</td>
              <td>
                <StateBadge state={d.state} />
              </td>
              <td>{d.fromVersion ?? '—'}</td>
              <td>{d.reason ?? ''}</td>
              <td>{d.rollback ?? ''}</td>
            </tr>
          ))}
          {devices.length === 0 && (
            <tr>
              <td colSpan={6} className="muted">
                none
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {action && (
        <ConfirmDialog
          title={`${ACTIONS[action].label} “${campaign.name}”?`}
          confirmLabel={ACTIONS[action].label}
          busyLabel={ACTIONS[action].busy}
          busy={busy}
          error={error}
          onConfirm={() => void run()}
          onCancel={() => setAction(null)}
          testId="rollout-action-confirm"
        >
          <p>{ACTIONS[action].ask}</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

export function RolloutsView() {
  const [campaigns, setCampaigns] = useState<CampaignSummary[]>([]);
  const [selected, setSelected] = useState<CampaignDetail | null>(null);
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const selectedId = selected?.id ?? null;

  const open = useCallback((campaignId: string) => {
    engine()
      .request('rollouts.get', { campaignId })
      .then(setSelected, (e: unknown) => setError(errorMessage(e)));
  }, []);

  useEffect(() => {
    engine()
      .request('rollouts.list')
      .then(setCampaigns, (e: unknown) => setError(errorMessage(e)));
  }, []);

  useEffect(
    () =>
      engine().subscribe('rollouts.changed', undefined, (changed) => {
        setCampaigns((all) => {
          const byId = new Map(all.map((c) => [c.id, c]));
          for (const c of changed) byId.set(c.id, c);
          return [...byId.values()].sort((a, b) => b.createdAt - a.createdAt);
        });
        if (selectedId && changed.some((c) => c.id === selectedId)) open(selectedId);
      }),
    [selectedId, open],
  );

  return (
    <section className="page" data-testid="rollouts-view">
      <div className="page-head">
        <h1>Rollouts</h1>
        <span className="muted">{`${campaigns.length} ${campaigns.length === 1 ? 'campaign' : 'campaigns'}`}</span>
        {!creating && (
          <button
            type="button"
            className="primary"
            onClick={() => setCreating(true)}
            data-testid="rollout-new"
          >
            New rollout
          </button>
        )}
      </div>
      {error && <div className="notice notice-warn">{error}</div>}
      <BrokerSettings />
      {creating && (
        <CreateForm
          onCancel={() => setCreating(false)}
          onCreated={(c) => {
            setCreating(false);
            setSelected(c);
            setCampaigns((all) => [c, ...all.filter((x) => x.id !== c.id)]);
          }}
        />
      )}
      <table className="grid" data-testid="rollout-list">
        <thead>
          <tr>
            <th>Name</th>
            <th>Version</th>
            <th>State</th>
            <th className="num">Wave</th>
            <th className="num">Devices</th>
            <th>Why</th>
          </tr>
        </thead>
        <tbody>
          {campaigns.map((c) => (
            <tr
              key={c.id}
              className="clickable"
              tabIndex={0}
              aria-selected={c.id === selectedId}
              onClick={() => open(c.id)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') {
                  e.preventDefault();
                  open(c.id);
                }
              }}
            >
              <td>{c.name}</td>
              <td>{c.firmware.version}</td>
              <td>
                <StateBadge state={c.state} />
              </td>
              <td className="num">{`${Math.max(0, c.currentWave + 1)} / ${c.waves.length}`}</td>
              <td className="num">{c.total}</td>
              <td>{c.reason ?? ''}</td>
            </tr>
          ))}
          {campaigns.length === 0 && (
            <tr>
              <td colSpan={6} className="muted">
                No rollouts yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {selected && <CampaignPanel campaign={selected} onChanged={setSelected} />}
    </section>
  );
}
