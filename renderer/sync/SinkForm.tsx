/**
 * Add or edit a sink: an HTTPS batch endpoint or an MQTT cloud broker, with its TLS
 * material pasted as PEM text (the engine gets text, never a path on this machine).
 * Mistakes are named next to their field before anything is sent; the engine's own
 * refusal is shown under the form, which stays filled. Stored secrets are never shown:
 * their input stays empty to keep them, and "Forget" drops them. Escape closes the form.
 */
import { type FormEvent, type ReactNode, useEffect, useId, useRef, useState } from 'react';
import type { SinkKind, SinkStatus } from '../../common/sync-contract';
import { engine } from '../rpc/engine';
import { formErrorsFromError } from '../tools/form-errors';
import { errorMessage } from '../tools/use-poll';
import {
  buildSinkConfig,
  defaultSinkFields,
  NO_STORED,
  type SecretField,
  type SinkErrors,
  type SinkFields,
  type StoredSecrets,
  secretPlaceholder,
  sinkFieldOf,
} from './sink-form';

export interface SinkEdit {
  id: string;
  kind: SinkKind;
  fields: SinkFields;
  stored: StoredSecrets;
  original: Record<string, unknown>;
}

interface Props {
  editing?: SinkEdit;
  onClose(): void;
  onSaved(status: SinkStatus): void;
}

function SyncField({
  label,
  hint,
  error,
  wide,
  children,
}: {
  label: string;
  hint?: string;
  error?: string;
  wide?: boolean;
  children: (a11y: { id: string; 'aria-invalid'?: true; 'aria-describedby'?: string }) => ReactNode;
}) {
  const id = useId();
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div className={wide ? 'field form-wide' : 'field'}>
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      {children({
        id,
        ...(error ? { 'aria-invalid': true as const } : {}),
        ...(described ? { 'aria-describedby': described } : {}),
      })}
      {hint && (
        <span id={`${id}-hint`} className="field-hint muted small">
          {hint}
        </span>
      )}
      {error && (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      )}
    </div>
  );
}

export function SinkForm({ editing, onClose, onSaved }: Props) {
  const [kind, setKind] = useState<SinkKind>(editing?.kind ?? 'http');
  const [fields, setFields] = useState<SinkFields>(() => editing?.fields ?? defaultSinkFields('http'));
  const [stored, setStored] = useState<StoredSecrets>(editing?.stored ?? NO_STORED);
  const [errors, setErrors] = useState<SinkErrors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  // the form opens on a click: typing starts in it, not back at the button
  useEffect(() => {
    formRef.current?.querySelector<HTMLElement>('input, select, textarea')?.focus();
  }, []);

  const set = <K extends keyof SinkFields>(key: K, value: SinkFields[K]) => {
    setFields((f) => ({ ...f, [key]: value }));
    setErrors((e) => ({ ...e, [key]: undefined }));
  };

  const pickKind = (next: SinkKind) => {
    if (next === kind) return;
    setKind(next);
    // keep the name; the URL and topic defaults belong to the kind
    setFields((f) => ({ ...defaultSinkFields(next), name: f.name, enabled: f.enabled }));
    setErrors({});
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const built = buildSinkConfig(kind, fields, stored, editing?.original);
    if (!built.ok) {
      setErrors(built.errors);
      setFailure('Fix the marked fields.');
      return;
    }
    setErrors({});
    setFailure(null);
    setBusy(true);
    try {
      const status = editing
        ? await engine().request('sync.updateSink', {
            id: editing.id,
            name: built.name,
            enabled: built.enabled,
            config: built.config,
          })
        : kind === 'http'
          ? await engine().request('sync.addSink', {
              kind: 'http',
              name: built.name,
              enabled: built.enabled,
              config: built.config as { url: string },
            })
          : await engine().request('sync.addSink', {
              kind: 'mqtt',
              name: built.name,
              enabled: built.enabled,
              config: built.config as { url: string; topic: string },
            });
      onSaved(status);
    } catch (error) {
      setErrors(formErrorsFromError(error, sinkFieldOf).fields);
      setFailure(`The engine refused this sink: ${errorMessage(error)}`);
    } finally {
      setBusy(false);
    }
  };

  const secretInput = (
    field: SecretField,
    label: string,
    hint: string,
    render: (a11y: object, placeholder: string | undefined) => ReactNode,
    wide = false,
  ) => (
    <SyncField label={label} hint={hint} error={errors[field]} wide={wide}>
      {(a11y) => (
        <>
          {render(a11y, secretPlaceholder(stored[field]))}
          {stored[field] && (
            <button
              type="button"
              className="small-button"
              data-testid={`sink-forget-${field}`}
              onClick={() => setStored((s) => ({ ...s, [field]: false }))}
            >
              Forget the stored value
            </button>
          )}
        </>
      )}
    </SyncField>
  );

  const pem = (field: 'caPem' | 'certPem', label: string, hint: string) => (
    <SyncField label={label} hint={hint} error={errors[field]} wide>
      {(a11y) => (
        <textarea
          {...a11y}
          rows={3}
          spellCheck={false}
          className="mono"
          data-testid={`sink-${field}`}
          value={fields[field]}
          placeholder="-----BEGIN CERTIFICATE-----"
          onChange={(e) => set(field, e.target.value)}
        />
      )}
    </SyncField>
  );

  return (
    <form
      ref={formRef}
      className="panel add-connector sync-sink-form"
      onSubmit={(e) => void submit(e)}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !busy) onClose();
      }}
      noValidate
      aria-label={editing ? `Edit sink ${editing.fields.name}` : 'Add a sink'}
      data-testid="sink-form"
    >
      <h2 className="section-title">{editing ? `Edit sink “${editing.fields.name}”` : 'Add a sink'}</h2>
      {!editing && (
        <fieldset className="kind-picker">
          <legend>Kind</legend>
          <label className="check">
            <input
              type="radio"
              name="sink-kind"
              checked={kind === 'http'}
              onChange={() => pickKind('http')}
              data-testid="sink-kind-http"
            />{' '}
            HTTPS batch POST
          </label>
          <label className="check">
            <input
              type="radio"
              name="sink-kind"
              checked={kind === 'mqtt'}
              onChange={() => pickKind('mqtt')}
              data-testid="sink-kind-mqtt"
            />{' '}
            MQTT uplink (AWS IoT Core, EMQX, HiveMQ…)
          </label>
        </fieldset>
      )}
      <div className="form-grid">
        <SyncField label="Name" error={errors.name}>
          {(a11y) => (
            <input
              {...a11y}
              data-testid="sink-name"
              value={fields.name}
              placeholder="e.g. Plant cloud"
              onChange={(e) => set('name', e.target.value)}
            />
          )}
        </SyncField>
        <SyncField
          label={kind === 'http' ? 'Batch URL' : 'Broker URL'}
          hint={
            kind === 'http'
              ? 'https:// (http:// only on a trusted network)'
              : 'mqtts://, mqtt://, wss:// or ws://'
          }
          error={errors.url}
          wide
        >
          {(a11y) => (
            <input
              {...a11y}
              data-testid="sink-url"
              value={fields.url}
              spellCheck={false}
              placeholder={
                kind === 'http' ? 'https://ingest.example.com/v1/batches' : 'mqtts://iot.example.com:8883'
              }
              onChange={(e) => set('url', e.target.value)}
            />
          )}
        </SyncField>
        {kind === 'http' ? (
          <>
            {secretInput(
              'authorization',
              'Authorization header',
              'sent as is, e.g. "Bearer …"; sealed at rest',
              (a11y, placeholder) => (
                <input
                  {...a11y}
                  type="password"
                  autoComplete="off"
                  data-testid="sink-authorization"
                  value={fields.authorization}
                  placeholder={placeholder}
                  onChange={(e) => set('authorization', e.target.value)}
                />
              ),
            )}
            <SyncField
              label="Down-sync URL"
              hint="optional: GET {url}/registry, /firmware, /settings"
              error={errors.downUrl}
            >
              {(a11y) => (
                <input
                  {...a11y}
                  data-testid="sink-down-url"
                  value={fields.downUrl}
                  spellCheck={false}
                  onChange={(e) => set('downUrl', e.target.value)}
                />
              )}
            </SyncField>
            <SyncField label="Request timeout (s)" hint="optional, 30 s when empty" error={errors.timeoutS}>
              {(a11y) => (
                <input
                  {...a11y}
                  inputMode="decimal"
                  value={fields.timeoutS}
                  onChange={(e) => set('timeoutS', e.target.value)}
                />
              )}
            </SyncField>
          </>
        ) : (
          <>
            <SyncField
              label="Topic template"
              hint="{sink} is the sink's id, {kind} raw or rollup"
              error={errors.topic}
            >
              {(a11y) => (
                <input
                  {...a11y}
                  data-testid="sink-topic"
                  value={fields.topic}
                  spellCheck={false}
                  onChange={(e) => set('topic', e.target.value)}
                />
              )}
            </SyncField>
            <SyncField
              label="Message format"
              hint="one event per message: CloudEvents structured mode, for receivers on the CloudEvents SDKs"
            >
              {(a11y) => (
                <select
                  {...a11y}
                  data-testid="sink-content-mode"
                  value={fields.contentMode}
                  onChange={(e) =>
                    set('contentMode', e.target.value === 'structured' ? 'structured' : 'batch')
                  }
                >
                  <option value="batch">Batch (gzip)</option>
                  <option value="structured">One event per message</option>
                </select>
              )}
            </SyncField>
            <SyncField
              label="Receipt topic"
              hint="optional: delivered only on the receiver's receipt, not the broker's PUBACK"
              error={errors.receiptTopic}
            >
              {(a11y) => (
                <input
                  {...a11y}
                  value={fields.receiptTopic}
                  spellCheck={false}
                  onChange={(e) => set('receiptTopic', e.target.value)}
                />
              )}
            </SyncField>
            <SyncField label="Client id" hint="optional" error={errors.clientId}>
              {(a11y) => (
                <input {...a11y} value={fields.clientId} onChange={(e) => set('clientId', e.target.value)} />
              )}
            </SyncField>
            <SyncField label="Username" hint="optional" error={errors.username}>
              {(a11y) => (
                <input
                  {...a11y}
                  autoComplete="off"
                  value={fields.username}
                  onChange={(e) => set('username', e.target.value)}
                />
              )}
            </SyncField>
            {secretInput('password', 'Password', 'optional; sealed at rest', (a11y, placeholder) => (
              <input
                {...a11y}
                type="password"
                autoComplete="new-password"
                data-testid="sink-password"
                value={fields.password}
                placeholder={placeholder}
                onChange={(e) => set('password', e.target.value)}
              />
            ))}
          </>
        )}
        {pem('caPem', 'CA bundle (PEM)', "optional: the cloud's private CA; the system's CAs otherwise")}
        {pem('certPem', 'Client certificate (PEM)', 'optional: for mutual TLS')}
        {secretInput(
          'keyPem',
          'Client key (PEM)',
          "the client certificate's private key; sealed at rest, never shown again",
          (a11y, placeholder) => (
            <textarea
              {...a11y}
              rows={3}
              spellCheck={false}
              className="mono"
              data-testid="sink-keyPem"
              value={fields.keyPem}
              placeholder={placeholder ?? '-----BEGIN PRIVATE KEY-----'}
              onChange={(e) => set('keyPem', e.target.value)}
            />
          ),
          true,
        )}
      </div>
      <label className="check">
        <input
          type="checkbox"
          checked={fields.enabled}
          onChange={(e) => set('enabled', e.target.checked)}
          data-testid="sink-enabled"
        />{' '}
        Enabled (send as soon as it is saved)
      </label>
      <div className="form-actions">
        <button type="submit" disabled={busy} data-testid="sink-save">
          {busy ? 'Saving…' : editing ? 'Save' : 'Add sink'}
        </button>
        <button type="button" onClick={onClose} disabled={busy}>
          Cancel
        </button>
        {failure && (
          <span className="form-error" role="alert" data-testid="sink-form-error">
            {failure}
          </span>
        )}
      </div>
    </form>
  );
}
