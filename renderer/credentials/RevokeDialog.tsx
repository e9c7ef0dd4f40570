/**
 * Asks before a certificate is revoked: revocation cannot be undone, and the device drops
 * off the broker at its next connect. The shared confirm dialog, with the reason to give.
 */
import { useState } from 'react';
import { type IssuedCertificateView, REVOCATION_REASONS } from '../../common/credentials-contract';
import { ConfirmDialog } from '../tools/ConfirmDialog';

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
  const [reason, setReason] = useState<Reason>('unspecified');
  // the reason is the first thing to choose, so it has the first focus, not Cancel
  return (
    <ConfirmDialog
      title="Revoke certificate?"
      confirmLabel="Revoke"
      busyLabel="Revoking…"
      busy={busy}
      error={error}
      onConfirm={() => onConfirm(reason)}
      onCancel={onCancel}
      testId="revoke-dialog"
      confirmTestId="revoke-confirm"
      focusCancel={false}
    >
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
    </ConfirmDialog>
  );
}
