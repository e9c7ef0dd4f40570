/**
 * Asks before a certificate is revoked: revocation cannot be undone, and the device drops
 * off the broker at its next connect. A modal <dialog>, so focus stays in it and Escape
 * cancels.
 */
import { useEffect, useRef, useState } from 'react';
import { type IssuedCertificateView, REVOCATION_REASONS } from '../../common/credentials-contract';

export type RevocationReason = (typeof REVOCATION_REASONS)[number];
type Reason = RevocationReason;

const REASON_LABELS: Record<Reason, string> = {
  unspecified: 'Unspecified',
  keyCompromise: 'Key compromised',
  superseded: 'Superseded by a new certificate',
  cessationOfOperation: 'Device taken out of service',
};

export function RevokeDialog({
  certificate,
  busy,
  error,
  onConfirm,
  onCancel,
}: {
  certificate: IssuedCertificateView;
  busy: boolean;
  error: string | null;
  onConfirm(reason: Reason): void;
  onCancel(): void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState<Reason>('unspecified');
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby="revoke-title"
      onCancel={(e) => {
        e.preventDefault();
        if (!busy) onCancel();
      }}
      data-testid="revoke-dialog"
    >
      <h2 id="revoke-title">Revoke certificate?</h2>
      <p>
        The certificate <span className="mono">{certificate.serialHex}</span> of{' '}
        <strong>{certificate.deviceId}</strong> goes on the revocation list. A broker using the exported CRL
        refuses the device from its next connection. This cannot be undone.
      </p>
      <label className="field">
        <span className="field-label">Reason</span>
        <select value={reason} onChange={(e) => setReason(e.target.value as Reason)}>
          {REVOCATION_REASONS.map((r) => (
            <option key={r} value={r}>
              {REASON_LABELS[r]}
            </option>
          ))}
        </select>
      </label>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="form-actions dialog-actions">
        <button type="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
        <button
          type="button"
          className="danger"
          onClick={() => onConfirm(reason)}
          disabled={busy}
          data-testid="revoke-confirm"
        >
          {busy ? 'Revoking…' : 'Revoke'}
        </button>
      </div>
    </dialog>
  );
}
