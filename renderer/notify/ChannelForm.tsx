/** Add or edit one channel; the secret field is write-only (empty keeps the stored one). */
import { type FormEvent, useState } from 'react';
import { engine } from '../rpc/engine';
import { Field } from '../tools/Field';
import { errorMessage } from '../tools/use-poll';
import { type ChannelFields, type ChannelKind, channelInput, emptyFields, secretLabel } from './channel-form';

const KINDS: { kind: ChannelKind; label: string }[] = [
  { kind: 'webhook', label: 'Webhook' },
  { kind: 'pagerduty', label: 'PagerDuty' },
  { kind: 'email', label: 'E-mail' },
  { kind: 'mqtt', label: 'MQTT (stack light)' },
];

export function ChannelForm({
  initial,
  hasSecret,
  onDone,
}: {
  initial: ChannelFields | null;
  hasSecret: boolean;
  onDone(saved: boolean): void;
}) {
  const editing = initial !== null;
  const [f, setF] = useState<ChannelFields>(initial ?? emptyFields());
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof ChannelFields>(key: K, value: ChannelFields[K]) =>
    setF((x) => ({ ...x, [key]: value }));
  const secret = secretLabel(f.kind);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    engine()
      .request('notify.channels.save', { channel: channelInput(f) })
      .then(
        () => onDone(true),
        (err: unknown) => setError(errorMessage(err)),
      )
      .finally(() => setBusy(false));
  };

  return (
    <form className="panel" onSubmit={submit} data-testid="channel-form">
      {!editing && (
        <fieldset className="kind-picker">
          <legend>Channel type</legend>
          {KINDS.map((k) => (
            <label key={k.kind} className="check">
              <input
                type="radio"
                name="channel-kind"
                checked={f.kind === k.kind}
                onChange={() => setF((x) => ({ ...emptyFields(k.kind), id: x.id, name: x.name }))}
              />
              {k.label}
            </label>
          ))}
        </fieldset>
      )}
      <div className="form-grid">
        <Field label="Name">
          <input value={f.name} onChange={(e) => set('name', e.target.value)} required />
        </Field>
        <Field label="Id" hint="letters, digits, - and _">
          <input value={f.id} onChange={(e) => set('id', e.target.value)} required readOnly={editing} />
        </Field>
        {(f.kind === 'webhook' || f.kind === 'pagerduty') && (
          <Field label={f.kind === 'webhook' ? 'URL' : 'Events API endpoint'}>
            <input value={f.url} onChange={(e) => set('url', e.target.value)} required type="url" />
          </Field>
        )}
        {f.kind === 'email' && (
          <>
            <Field label="SMTP host">
              <input value={f.host} onChange={(e) => set('host', e.target.value)} required />
            </Field>
            <Field label="Port">
              <input
                value={f.port}
                onChange={(e) => set('port', e.target.value)}
                inputMode="numeric"
                required
              />
            </Field>
            <Field label="User name" hint="empty: no login">
              <input value={f.user} onChange={(e) => set('user', e.target.value)} autoComplete="off" />
            </Field>
            <Field label="From">
              <input value={f.from} onChange={(e) => set('from', e.target.value)} type="email" required />
            </Field>
            <Field label="To" hint="addresses separated by commas">
              <input value={f.to} onChange={(e) => set('to', e.target.value)} required />
            </Field>
            <label className="check">
              <input
                type="checkbox"
                checked={f.allowPlain}
                onChange={(e) => set('allowPlain', e.target.checked)}
              />
              Allow plain text (no STARTTLS)
            </label>
          </>
        )}
        {f.kind === 'mqtt' && (
          <>
            <Field label="MQTT connector id">
              <input value={f.connectorId} onChange={(e) => set('connectorId', e.target.value)} required />
            </Field>
            <Field label="Topic">
              <input value={f.topic} onChange={(e) => set('topic', e.target.value)} required />
            </Field>
            <div className="form-wide">
              <Field label="Payload" hint="{{rule}} {{device}} {{severity}} {{state}} {{value}} {{summary}}">
                <input value={f.payload} onChange={(e) => set('payload', e.target.value)} />
              </Field>
            </div>
          </>
        )}
        {secret && (
          <Field label={secret} hint={hasSecret ? 'stored; leave empty to keep it' : undefined}>
            <input
              value={f.secret}
              onChange={(e) => set('secret', e.target.value)}
              type="password"
              autoComplete="new-password"
            />
          </Field>
        )}
      </div>
      {error && (
        <p className="form-error" role="alert" data-testid="channel-form-error">
          {error}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="primary-button" disabled={busy}>
          {busy ? 'Saving…' : 'Save channel'}
        </button>
        <button type="button" onClick={() => onDone(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
