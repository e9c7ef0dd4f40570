/**
 * The foot of a settings form: Save (its label while saving), Reset once something was
 * edited, and what the last save said: a status when it worked, an alert when it did not.
 */
import type { ReactNode } from 'react';

export type FormOutcome = { kind: 'ok' | 'error'; text: string } | null;

export function FormActions({
  saveLabel,
  saving,
  saveDisabled = saving,
  saveTestId,
  dirty,
  onReset,
  outcome,
  children,
}: {
  saveLabel: string;
  saving: boolean;
  saveDisabled?: boolean;
  saveTestId?: string;
  dirty: boolean;
  onReset(): void;
  outcome: FormOutcome;
  /** shown after Reset, before the outcome */
  children?: ReactNode;
}) {
  return (
    <div className="form-actions">
      <button type="submit" disabled={saveDisabled} data-testid={saveTestId}>
        {saving ? 'Saving…' : saveLabel}
      </button>
      {dirty && (
        <button type="button" onClick={onReset}>
          Reset
        </button>
      )}
      {children}
      {outcome && (
        <span
          className={outcome.kind === 'error' ? 'form-error' : 'form-ok'}
          role={outcome.kind === 'error' ? 'alert' : 'status'}
        >
          {outcome.text}
        </span>
      )}
    </div>
  );
}
