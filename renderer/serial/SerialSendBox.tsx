/**
 * Sends to the port: Enter sends the line, as text (with the chosen line ending) or as
 * hex bytes. The line stays in the box on an error so it can be corrected.
 */
import { type FormEvent, useState } from 'react';
import { engine } from '../rpc/engine';
import { errorMessage } from '../tools/use-poll';

type Newline = '' | '\n' | '\r\n';
const NEWLINES: { value: Newline; label: string }[] = [
  { value: '\n', label: 'LF (\\n)' },
  { value: '\r\n', label: 'CR LF (\\r\\n)' },
  { value: '', label: 'none' },
];

export function SerialSendBox({ connectorId }: { connectorId: string }) {
  const [input, setInput] = useState('');
  const [mode, setMode] = useState<'text' | 'hex'>('text');
  const [newline, setNewline] = useState<Newline>('\n');
  const [error, setError] = useState<string | null>(null);

  const send = (event: FormEvent) => {
    event.preventDefault();
    const params =
      mode === 'text'
        ? { connectorId, text: input, newline }
        : { connectorId, hex: input.trim().replace(/\s+/g, ' '), newline };
    engine()
      .request('serial.send', params)
      .then(
        () => {
          setInput('');
          setError(null);
        },
        (e: unknown) => setError(errorMessage(e)),
      );
  };

  return (
    <form className="serial-send" onSubmit={send} aria-label="Send to the port">
      <input
        data-testid="serial-send-input"
        className="mono"
        value={input}
        placeholder={mode === 'text' ? 'text to send, Enter sends' : 'hex bytes, e.g. 01 ff 2a'}
        aria-label="Text to send"
        onChange={(e) => setInput(e.target.value)}
      />
      <select aria-label="Send as" value={mode} onChange={(e) => setMode(e.target.value as 'text' | 'hex')}>
        <option value="text">text</option>
        <option value="hex">hex</option>
      </select>
      <select
        aria-label="Line ending"
        value={newline}
        disabled={mode === 'hex'}
        onChange={(e) => setNewline(e.target.value as Newline)}
      >
        {NEWLINES.map((n) => (
          <option key={n.label} value={n.value}>
            {n.label}
          </option>
        ))}
      </select>
      <button type="submit">Send</button>
      {error && (
        <div className="notice notice-error" role="alert" data-testid="serial-send-error">
          {error}
        </div>
      )}
    </form>
  );
}
