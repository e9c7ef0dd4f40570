/**
 * Asks the technician's name once: it goes on every audit entry and commissioning
 * report. Used inline on the commissioning page and in the header's dialog.
 */
import { type FormEvent, useState } from 'react';
import { engine } from '../rpc/engine';
import { setOperator, useOperator } from '../state/operator';
import { errorMessage } from '../tools/use-poll';

export function OperatorPrompt({ onDone, autoFocus = false }: { onDone?: () => void; autoFocus?: boolean }) {
  const current = useOperator((s) => s.name);
  const [name, setName] = useState(current ?? '');
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = name.trim();
    if (trimmed === '') {
      setError('type your name');
      return;
    }
    if (trimmed.length > 100) {
      setError('100 characters at most');
      return;
    }
    setSaving(true);
    setError(null);
    setOperator(engine(), trimmed)
      .then(
        () => onDone?.(),
        (e: unknown) => setError(errorMessage(e)),
      )
      .finally(() => setSaving(false));
  };
  return (
    <form className="inline-form operator-prompt" onSubmit={submit} noValidate data-testid="operator-prompt">
      <label>
        Your name{' '}
        <input
          // biome-ignore lint/a11y/noAutofocus: the prompt opens on request, typing the name is the only thing to do
          autoFocus={autoFocus}
          value={name}
          maxLength={100}
          aria-invalid={error ? true : undefined}
          onChange={(e) => setName(e.target.value)}
          data-testid="operator-name"
        />
      </label>
      <button type="submit" disabled={saving}>
        {saving ? 'Saving…' : 'Save'}
      </button>
      {error && (
        <span className="form-error" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}
