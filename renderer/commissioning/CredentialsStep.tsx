/** Credentials: a per-device key pair and X.509 certificate from the project CA, or a per-device PSK. */
import { useState } from 'react';
import { formatDateTime } from '../format';
import { expiryOf } from '../registry/device-facts';
import { draftKey, useDraft } from '../state/commissioning';
import { Field } from '../tools/Field';
import { Facts, StepFrame, type StepProps } from './StepFrame';
import { type CredentialsFields, credentialsFieldsFrom, type Errors, parseCredentials } from './wizard-forms';

export function CredentialsStep({ session, run, busy }: StepProps) {
  const key = draftKey(session.id, 'credentials');
  const [fields, setFields] = useDraft(key, () => credentialsFieldsFrom(session));
  const [errors, setErrors] = useState<Errors<CredentialsFields>>({});
  const submit = () => {
    const parsed = parseCredentials(fields);
    if (!parsed.ok) return setErrors(parsed.errors);
    setErrors({});
    void run(parsed.value);
  };
  const c = session.credentials;
  return (
    <StepFrame
      session={session}
      step="credentials"
      title="Credentials"
      intro="Every device gets its own secret, never a shared one. The key is generated for this device and written to it over the link."
      submitLabel="Issue credentials"
      busy={busy}
      onSubmit={submit}
      result={
        c && (
          <Facts
            items={[
              ['Kind', c.kind === 'x509' ? 'X.509 client certificate' : 'Pre-shared key'],
              [
                'Fingerprint (SHA-256)',
                <span key="fp" className="mono fingerprint">
                  {c.fingerprint}
                </span>,
              ],
              [
                'Serial',
                c.serialHex && (
                  <span key="serial" className="mono">
                    {c.serialHex}
                  </span>
                ),
              ],
              [
                'Valid until',
                c.notAfter && `${formatDateTime(c.notAfter)} (${expiryOf(c.notAfter, Date.now()).text})`,
              ],
            ]}
          />
        )
      }
    >
      <fieldset className="kind-picker">
        <legend>Kind</legend>
        {(['x509', 'psk'] as const).map((kind) => (
          <label key={kind} className="check">
            <input
              type="radio"
              name="credential-kind"
              checked={fields.kind === kind}
              onChange={() => setFields({ ...fields, kind })}
              data-testid={`credentials-${kind}`}
            />
            {kind === 'x509' ? 'X.509 certificate (mutual TLS)' : 'Pre-shared key (TLS-PSK)'}
          </label>
        ))}
      </fieldset>
      <div className="form-grid">
        <Field label="Validity (days)" hint="1 to 3650; 825 is the usual maximum for TLS clients">
          <input
            inputMode="numeric"
            value={fields.validityDays}
            aria-invalid={errors.validityDays ? true : undefined}
            onChange={(e) => setFields({ ...fields, validityDays: e.target.value })}
            data-testid="credentials-validity"
          />
          {errors.validityDays && <span className="field-error">{errors.validityDays}</span>}
        </Field>
      </div>
    </StepFrame>
  );
}
