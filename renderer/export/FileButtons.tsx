/**
 * A row of buttons that each ask the engine for a file (a report, an export) in one format
 * and hand it to the browser as a download. One request at a time: every button waits
 * while one runs, and a failure is said next to them.
 */
import { type ReactNode, useState } from 'react';
import { errorMessage } from '../tools/use-poll';
import { downloadText } from './download';

export interface EngineFile {
  content: string;
  filename: string;
  mime: string;
}

export interface FileChoice<F extends string> {
  format: F;
  label: string;
  testId: string;
}

export function FileButtons<F extends string>({
  choices,
  fetchFile,
  busyLabel,
  buttonClassName,
  errorPrefix = '',
  lead,
}: {
  choices: readonly FileChoice<F>[];
  fetchFile(format: F): Promise<EngineFile>;
  busyLabel: string;
  buttonClassName?: string;
  errorPrefix?: string;
  /** shown before the buttons, e.g. what the files are of */
  lead?: ReactNode;
}) {
  const [busy, setBusy] = useState<F | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = (format: F) => {
    setBusy(format);
    setError(null);
    fetchFile(format)
      .then(
        (file) => downloadText(file.content, file.filename, file.mime),
        (e: unknown) => setError(errorMessage(e)),
      )
      .finally(() => setBusy(null));
  };
  return (
    <div className="toolbar">
      {lead}
      {choices.map((c) => (
        <button
          key={c.format}
          type="button"
          className={buttonClassName}
          onClick={() => run(c.format)}
          disabled={busy !== null}
          data-testid={c.testId}
        >
          {busy === c.format ? busyLabel : c.label}
        </button>
      ))}
      {error && (
        <span className="form-error" role="alert">
          {errorPrefix}
          {error}
        </span>
      )}
    </div>
  );
}
