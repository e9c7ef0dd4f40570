/**
 * The settings every sink shares: a bandwidth cap (one byte budget for all of them),
 * metered-link mode (1-minute rollups of the backlog first, raw readings after) and the
 * outbox quota (past it the oldest raw readings are folded into 1-minute rollups). Follows
 * the engine's values until the user starts editing.
 */
import { type FormEvent, useEffect, useId, useState } from 'react';
import type { SyncSettingsState } from '../../common/sync-contract';
import { formatBytes } from '../format';
import { engine } from '../rpc/engine';
import { FormActions, type FormOutcome } from '../tools/FormActions';
import { errorMessage } from '../tools/use-poll';
import {
  fieldsFromSettings,
  formatCap,
  formatQuota,
  parseSettingsFields,
  RATE_UNITS,
  type RateUnit,
  type SettingsFields,
  SIZE_UNITS,
  type SizeUnit,
} from './sync-format';

export function SyncSettingsForm() {
  const [settings, setSettings] = useState<SyncSettingsState | null>(null);
  const [fields, setFields] = useState<SettingsFields | null>(null);
  const [dirty, setDirty] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<FormOutcome>(null);
  const [saving, setSaving] = useState(false);
  const capId = useId();
  const quotaId = useId();

  useEffect(() => {
    engine()
      .request('sync.settings')
      .then(setSettings, (e: unknown) => setLoadError(errorMessage(e)));
  }, []);
  useEffect(() => {
    if (settings && !dirty) setFields(fieldsFromSettings(settings));
  }, [settings, dirty]);

  if (loadError)
    return <div className="notice notice-warn">Could not read the sync settings: {loadError}</div>;
  if (!fields || !settings) return null;

  const edit = (change: Partial<SettingsFields>) => {
    setFields({ ...fields, ...change });
    setDirty(true);
    setError(null);
    setOutcome(null);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const parsed = parseSettingsFields(fields);
    if (!parsed.ok) {
      setError(parsed.error);
      return;
    }
    setSaving(true);
    try {
      const saved = await engine().request('sync.configure', parsed.settings);
      setSettings(saved);
      setDirty(false);
      setOutcome({
        kind: 'ok',
        text: `Saved: ${formatCap(saved.bandwidthBytesPerS)}, ${saved.metered ? 'metered link' : 'unmetered link'}, ${formatQuota(saved.outboxQuotaBytes)}.`,
      });
    } catch (e) {
      setOutcome({ kind: 'error', text: `Could not save: ${errorMessage(e)}` });
    } finally {
      setSaving(false);
    }
  };

  return (
    <form
      className="panel sync-settings"
      onSubmit={(e) => void submit(e)}
      noValidate
      data-testid="sync-settings"
    >
      <h2 className="section-title">Link</h2>
      <div className="sync-settings-row">
        <label className="check">
          <input
            type="checkbox"
            checked={fields.capped}
            onChange={(e) => edit({ capped: e.target.checked })}
            data-testid="sync-capped"
          />{' '}
          Cap the bandwidth at
        </label>
        <span className="input-with-unit">
          <input
            id={capId}
            aria-label="Bandwidth cap"
            inputMode="decimal"
            className="sync-cap"
            value={fields.cap}
            disabled={!fields.capped}
            aria-invalid={error ? true : undefined}
            onChange={(e) => edit({ cap: e.target.value })}
            data-testid="sync-cap"
          />{' '}
          <select
            aria-label="Bandwidth unit"
            value={fields.capUnit}
            disabled={!fields.capped}
            onChange={(e) => edit({ capUnit: e.target.value as RateUnit })}
            data-testid="sync-cap-unit"
          >
            {RATE_UNITS.map((u) => (
              <option key={u} value={u}>
                {u}
              </option>
            ))}
          </select>
        </span>
        <span className="muted small">shared by every sink</span>
      </div>
      <label className="check">
        <input
          type="checkbox"
          checked={fields.metered}
          onChange={(e) => edit({ metered: e.target.checked })}
          data-testid="sync-metered"
        />{' '}
        Metered link: send 1-minute rollups of the backlog first, raw readings when they have caught up
      </label>
      <div className="sync-settings-row">
        <label htmlFor={quotaId}>Outbox quota</label>
        <span className="input-with-unit">
          <input
            id={quotaId}
            inputMode="decimal"
            className="sync-cap"
            value={fields.quota}
            aria-invalid={error ? true : undefined}
            onChange={(e) => edit({ quota: e.target.value })}
            data-testid="sync-quota"
          />{' '}
          <select
            aria-label="Outbox quota unit"
            value={fields.quotaUnit}
            onChange={(e) => edit({ quotaUnit: e.target.value as SizeUnit })}
            data-testid="sync-quota-unit"
          >
            {SIZE_UNITS.map((u) => (
              <option key={u} value={u}>
                {u}
              </option>
            ))}
          </select>
        </span>
        <span className="muted small" data-testid="sync-outbox-used">
          {formatBytes(settings.outboxBytes)} held now; past the quota the oldest raw readings are folded into
          1-minute rollups, events are always kept
        </span>
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <FormActions
        saveLabel="Save link settings"
        saving={saving}
        saveDisabled={saving || !dirty}
        saveTestId="sync-settings-save"
        dirty={dirty}
        onReset={() => {
          setDirty(false);
          setError(null);
        }}
        outcome={outcome}
      >
        {!dirty && (
          <span className="muted small" data-testid="sync-settings-current">
            Now: {formatCap(settings.bandwidthBytesPerS)}, {settings.metered ? 'metered' : 'unmetered'},{' '}
            {formatQuota(settings.outboxQuotaBytes)}
          </span>
        )}
      </FormActions>
    </form>
  );
}
