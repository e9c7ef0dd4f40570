/**
 * Asks before something that cannot be undone (discarding a parked batch, removing a
 * sink, revoking a certificate). A modal <dialog>: focus stays in it, Escape cancels, and
 * unless the dialog has a choice to make first, the safe choice has the focus so Enter
 * does no harm.
 */
import { type ReactNode, useEffect, useRef } from 'react';

export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  busyLabel,
  busy,
  error,
  onConfirm,
  onCancel,
  testId,
  confirmTestId = `${testId}-confirm`,
  focusCancel = true,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  busyLabel: string;
  busy: boolean;
  error: string | null;
  onConfirm(): void;
  onCancel(): void;
  testId: string;
  confirmTestId?: string;
  /** false: the browser's own first focus (the first control in the content) */
  focusCancel?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    if (focusCancel) cancelRef.current?.focus();
    return () => dialog?.close();
  }, [focusCancel]);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={`${testId}-title`}
      onCancel={(e) => {
        e.preventDefault();
        if (!busy) onCancel();
      }}
      data-testid={testId}
    >
      <h2 id={`${testId}-title`}>{title}</h2>
      {children}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="form-actions dialog-actions">
        <button type="button" ref={cancelRef} onClick={onCancel} disabled={busy}>
          Cancel
        </button>
        <button
          type="button"
          className="danger"
          onClick={onConfirm}
          disabled={busy}
          data-testid={confirmTestId}
        >
          {busy ? busyLabel : confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
