/**
 * The two notices every page shows the same way: the outcome of what the user just did
 * (an alert when it failed, a status otherwise), and a load that failed, with Retry.
 */

export type PageStatus = { kind: 'ok' | 'error'; text: string } | null;

export function StatusLine({ status, testId }: { status: PageStatus; testId: string }) {
  if (!status) return null;
  return (
    <p
      className={status.kind === 'error' ? 'form-error' : 'form-ok'}
      role={status.kind === 'error' ? 'alert' : 'status'}
      data-testid={testId}
    >
      {status.text}
    </p>
  );
}

/** `what` completes "Could not load …", e.g. "the audit log" */
export function LoadError({ what, error, onRetry }: { what: string; error: string | null; onRetry(): void }) {
  if (!error) return null;
  return (
    <div className="notice notice-error" role="alert">
      Could not load {what}: {error}{' '}
      <button type="button" className="small-button" onClick={onRetry}>
        Retry
      </button>
    </div>
  );
}
