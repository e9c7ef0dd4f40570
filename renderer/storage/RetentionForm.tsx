/**
 * How long each resolution is kept and how big the cache may grow. Only the fields the
 * user changed are sent (store.configure takes a partial), so two people editing
 * different settings do not undo each other.
 */
import { type FormEvent, useEffect, useState } from 'react';
import type { Retention } from '../../common/contract';
import { engine } from '../rpc/engine';
import { applyStoreStatus } from '../state/store-health';
import { FormActions, type FormOutcome } from '../tools/FormActions';
import {
  fieldsFromRetention,
  parseRetentionFields,
  type QuotaUnit,
  type RetentionErrors,
  type RetentionFields,
} from './retention-form';

const DAY_INPUTS: { name: 'rawDays' | 'minuteDays' | 'hourDays' | 'dayDays'; label: string }[] = [
  { name: 'rawDays', label: 'Raw readings' },
  { name: 'minuteDays', label: '1-minute rollups' },
  { name: 'hourDays', label: '1-hour rollups' },
  { name: 'dayDays', label: '1-day rollups' },
];

function changedOnly(next: Retention, current: Retention): Partial<Retention> {
  const changes: Partial<Retention> = {};
  for (const key of Object.keys(next) as (keyof Retention)[]) {
    if (next[key] !== current[key]) changes[key] = next[key];
  }
  return changes;
}

export function RetentionForm({ retention }: { retention: Retention }) {
  const [fields, setFields] = useState<RetentionFields>(() => fieldsFromRetention(retention));
  const [dirty, setDirty] = useState(false);
  const [errors, setErrors] = useState<RetentionErrors>({});
  const [saving, setSaving] = useState(false);
  const [outcome, setOutcome] = useState<FormOutcome>(null);

  // follow the engine's settings until the user starts editing
  useEffect(() => {
    if (!dirty) setFields(fieldsFromRetention(retention));
  }, [retention, dirty]);

  const edit = (name: keyof RetentionFields, value: string) => {
    setFields((f) => ({ ...f, [name]: value }));
    setDirty(true);
    setOutcome(null);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const parsed = parseRetentionFields(fields);
    if (!parsed.ok) {
      setErrors(parsed.errors);
      return;
    }
    setErrors({});
    const changes = changedOnly(parsed.retention, retention);
    if (Object.keys(changes).length === 0) {
      setDirty(false);
      setOutcome({ kind: 'ok', text: 'Nothing changed.' });
      return;
    }
    setSaving(true);
    try {
      applyStoreStatus(await engine().request('store.configure', changes));
      setDirty(false);
      setOutcome({ kind: 'ok', text: 'Saved. Retention applies at its next run.' });
    } catch (error) {
      setOutcome({
        kind: 'error',
        text: `Could not save the retention settings: ${(error as Error).message}`,
      });
    } finally {
      setSaving(false);
    }
  };

  return (
    <form className="retention-form" onSubmit={(e) => void submit(e)} noValidate data-testid="retention-form">
      <h2>Retention</h2>
      <div className="retention-fields">
        {DAY_INPUTS.map(({ name, label }) => (
          <label key={name}>
            <span>{label}</span>
            <span className="input-with-unit">
              <input
                type="number"
                min={1}
                max={36_500}
                step={1}
                value={fields[name]}
                aria-invalid={errors[name] ? true : undefined}
                onChange={(e) => edit(name, e.target.value)}
              />{' '}
              days
            </span>
            {errors[name] && <span className="field-error">{errors[name]}</span>}
          </label>
        ))}
        <label>
          <span>Cache size limit</span>
          <span className="input-with-unit">
            <input
              type="number"
              min={0}
              step="any"
              value={fields.quota}
              aria-invalid={errors.quota ? true : undefined}
              onChange={(e) => edit('quota', e.target.value)}
            />{' '}
            <select
              value={fields.quotaUnit}
              aria-label="Size unit"
              onChange={(e) => edit('quotaUnit', e.target.value as QuotaUnit)}
            >
              <option value="MiB">MiB</option>
              <option value="GiB">GiB</option>
            </select>
          </span>
          {errors.quota && <span className="field-error">{errors.quota}</span>}
        </label>
      </div>
      <p className="muted small">
        Over the limit, the oldest raw readings go first, then the oldest rollups.
      </p>
      <FormActions
        saveLabel="Save retention"
        saving={saving}
        dirty={dirty}
        onReset={() => {
          setDirty(false);
          setErrors({});
          setFields(fieldsFromRetention(retention));
        }}
        outcome={outcome}
      />
    </form>
  );
}
