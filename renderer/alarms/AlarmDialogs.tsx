/**
 * The dialogs behind the list's actions that need words: shelve (an end and a reason,
 * both required), a comment, and taking alarms out of service or back (a reason). Each
 * checks its fields before anything is sent and shows the engine's refusal in place.
 */
import { useState } from 'react';
import { ConfirmDialog } from '../tools/ConfirmDialog';
import { Field } from '../tools/Field';
import { readShelve, SHELVE_PRESETS, type ShelveErrors, type ShelveFields } from './shelve-form';

interface DialogProps {
  count: number;
  busy: boolean;
  error: string | null;
  onCancel(): void;
}

const alarmsWord = (n: number) => `${n} alarm${n === 1 ? '' : 's'}`;

export function ShelveDialog({
  count,
  busy,
  error,
  onCancel,
  onShelve,
}: DialogProps & { onShelve(until: number, reason: string): void }) {
  const [fields, setFields] = useState<ShelveFields>({ expiry: '', until: '', reason: '' });
  const [errors, setErrors] = useState<ShelveErrors>({});
  const set = (patch: Partial<ShelveFields>) => setFields((f) => ({ ...f, ...patch }));
  const confirm = () => {
    const read = readShelve(fields, Date.now());
    if (read.errors) {
      setErrors(read.errors);
      return;
    }
    setErrors({});
    onShelve(read.until, read.reason);
  };
  return (
    <ConfirmDialog
      title={`Shelve ${alarmsWord(count)}`}
      confirmLabel="Shelve"
      busyLabel="Shelving…"
      busy={busy}
      error={error}
      onConfirm={confirm}
      onCancel={onCancel}
      testId="shelve-dialog"
      focusCancel={false}
    >
      <p className="muted">
        A shelved alarm stays out of the banner and sends nothing until the shelve ends; then it shows its
        real state again.
      </p>
      <div className="form-grid alarm-dialog-grid">
        <Field label="Shelve for" error={errors.expiry}>
          <select
            value={fields.expiry}
            onChange={(e) => set({ expiry: e.target.value })}
            data-testid="shelve-expiry"
          >
            <option value="">choose…</option>
            {SHELVE_PRESETS.map((p, i) => (
              <option key={p.label} value={String(i)}>
                {p.label}
              </option>
            ))}
            <option value="custom">until a date and time…</option>
          </select>
        </Field>
        {fields.expiry === 'custom' && (
          <Field label="Until (local time)" error={errors.until}>
            <input
              type="datetime-local"
              value={fields.until}
              onChange={(e) => set({ until: e.target.value })}
            />
          </Field>
        )}
        <div className="form-wide">
          <Field label="Reason" error={errors.reason}>
            <textarea
              rows={2}
              maxLength={1000}
              value={fields.reason}
              onChange={(e) => set({ reason: e.target.value })}
              data-testid="shelve-reason"
            />
          </Field>
        </div>
      </div>
    </ConfirmDialog>
  );
}

/** one required text: a comment, or the reason for (leaving) out of service */
export function TextDialog({
  count,
  busy,
  error,
  onCancel,
  onSubmit,
  title,
  label,
  confirmLabel,
  busyLabel,
  testId,
}: DialogProps & {
  onSubmit(text: string): void;
  title: string;
  label: string;
  confirmLabel: string;
  busyLabel: string;
  testId: string;
}) {
  const [text, setText] = useState('');
  const [missing, setMissing] = useState(false);
  const confirm = () => {
    if (text.trim() === '') {
      setMissing(true);
      return;
    }
    onSubmit(text.trim());
  };
  return (
    <ConfirmDialog
      title={`${title} (${alarmsWord(count)})`}
      confirmLabel={confirmLabel}
      busyLabel={busyLabel}
      busy={busy}
      error={error}
      onConfirm={confirm}
      onCancel={onCancel}
      testId={testId}
      focusCancel={false}
    >
      <Field label={label} error={missing ? 'required' : undefined}>
        <textarea
          rows={3}
          maxLength={1000}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setMissing(false);
          }}
          data-testid={`${testId}-text`}
        />
      </Field>
    </ConfirmDialog>
  );
}
