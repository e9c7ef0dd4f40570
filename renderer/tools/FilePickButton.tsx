/**
 * A button that opens the file picker and hands over the one file chosen. The input stays
 * out of the tab order (the button is what a keyboard user reaches) and is cleared after
 * each pick, so choosing the same file again after a fix still fires.
 */
import { type ChangeEvent, useRef } from 'react';

export function FilePickButton({
  label,
  busyLabel,
  busy,
  accept,
  inputLabel,
  testId,
  onFile,
}: {
  label: string;
  busyLabel: string;
  busy: boolean;
  accept: string;
  /** what the hidden input is for, read by assistive technology */
  inputLabel: string;
  /** data-testid of the button; the input gets `${testId}-file` */
  testId: string;
  onFile(file: File): void;
}) {
  const input = useRef<HTMLInputElement>(null);
  const chosen = (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (file) onFile(file);
  };
  return (
    <>
      <button type="button" onClick={() => input.current?.click()} disabled={busy} data-testid={testId}>
        {busy ? busyLabel : label}
      </button>
      <input
        ref={input}
        type="file"
        accept={accept}
        className="visually-hidden"
        tabIndex={-1}
        aria-label={inputLabel}
        onChange={chosen}
        data-testid={`${testId}-file`}
      />
    </>
  );
}
