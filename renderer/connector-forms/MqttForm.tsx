/**
 * MQTT connector fields: broker, login, TLS material pasted as PEM text (the engine
 * gets text, never a path on this machine), topic templates one per line, Sparkplug B.
 * When editing, a stored password or key is never shown: its input stays empty to keep
 * it, and "Forget" drops it. Each template may have a payload mapping.
 */
import { type FieldErrors, MQTT_LABELS as L, LIMITS, type MqttFields } from '../tools/connector-config';
import { Field } from '../tools/Field';
import { type StoredSecrets, secretPlaceholder } from './edit-fields';
import { PayloadMappingEditor } from './PayloadMappingEditor';

interface Props {
  value: MqttFields;
  onChange(next: MqttFields): void;
  stored?: StoredSecrets;
  onStoredChange?(next: StoredSecrets): void;
  errors?: FieldErrors;
}

function ForgetButton({
  field,
  stored,
  onStoredChange,
}: Pick<Props, 'stored' | 'onStoredChange'> & { field: keyof StoredSecrets }) {
  if (!stored?.[field] || !onStoredChange) return null;
  return (
    <button
      type="button"
      className="small-button"
      data-testid={`forget-${field}`}
      onClick={() => onStoredChange({ ...stored, [field]: false })}
    >
      Forget stored {field}
    </button>
  );
}

export function MqttForm({ value, onChange, stored, onStoredChange, errors = {} }: Props) {
  const set = <K extends keyof MqttFields>(key: K, v: MqttFields[K]) => onChange({ ...value, [key]: v });
  return (
    <div className="form-grid">
      <Field label={L.url} hint="mqtt://, mqtts://, ws:// or wss://" error={errors.url}>
        <input
          data-testid="mqtt-url"
          value={value.url}
          placeholder="mqtt://broker.local:1883"
          onChange={(e) => set('url', e.target.value)}
        />
      </Field>
      <Field label={L.username} error={errors.username}>
        <input autoComplete="off" value={value.username} onChange={(e) => set('username', e.target.value)} />
      </Field>
      <Field label={L.password} error={errors.password}>
        <input
          type="password"
          autoComplete="new-password"
          data-testid="mqtt-password"
          placeholder={secretPlaceholder(stored?.password ?? false)}
          value={value.password}
          onChange={(e) => set('password', e.target.value)}
        />
        <ForgetButton field="password" stored={stored} onStoredChange={onStoredChange} />
      </Field>
      <Field label={L.clientId} hint="optional" error={errors.clientId}>
        <input
          value={value.clientId}
          maxLength={LIMITS.clientId}
          onChange={(e) => set('clientId', e.target.value)}
        />
      </Field>
      <Field label={L.qos} error={errors.qos}>
        <select value={value.qos} onChange={(e) => set('qos', e.target.value as MqttFields['qos'])}>
          <option>0</option>
          <option>1</option>
          <option>2</option>
        </select>
      </Field>
      <label className="check">
        <input type="checkbox" checked={value.clean} onChange={(e) => set('clean', e.target.checked)} /> Clean
        session
      </label>
      <Field
        label={L.topicTemplates}
        hint="one per line, e.g. plant/{site}/{deviceId}/{metric}; {site=north} pins a level"
        error={errors.topicTemplates}
      >
        <textarea
          data-testid="mqtt-templates"
          rows={3}
          className="mono"
          value={value.topicTemplates}
          onChange={(e) => set('topicTemplates', e.target.value)}
        />
      </Field>
      <PayloadMappingEditor
        templates={templateLines(value.topicTemplates)}
        value={value.payloadMappings}
        onChange={(next) => set('payloadMappings', next)}
      />
      <label className="check">
        <input
          type="checkbox"
          data-testid="mqtt-sparkplug"
          checked={value.sparkplug}
          onChange={(e) => set('sparkplug', e.target.checked)}
        />{' '}
        Sparkplug B
      </label>
      {value.sparkplug && (
        <Field
          label={L.sparkplugGroupId}
          hint="optional; all groups when empty"
          error={errors.sparkplugGroupId}
        >
          <input value={value.sparkplugGroupId} onChange={(e) => set('sparkplugGroupId', e.target.value)} />
        </Field>
      )}
      {value.sparkplug && (
        <Field
          label={L.sparkplugReorderMs}
          hint="how long a late message is waited for before the node is asked for a rebirth"
          error={errors.sparkplugReorderMs}
        >
          <input
            data-testid="mqtt-sparkplug-reorder"
            inputMode="numeric"
            value={value.sparkplugReorderMs}
            onChange={(e) => set('sparkplugReorderMs', e.target.value)}
          />
        </Field>
      )}
      <details className="form-wide">
        <summary>TLS</summary>
        <div className="form-grid">
          <Field label={L.ca} error={errors.ca}>
            <textarea
              rows={4}
              className="mono"
              value={value.ca}
              onChange={(e) => set('ca', e.target.value)}
            />
          </Field>
          <Field label={L.cert} error={errors.cert}>
            <textarea
              rows={4}
              className="mono"
              value={value.cert}
              onChange={(e) => set('cert', e.target.value)}
            />
          </Field>
          <Field label={L.key} error={errors.key}>
            <textarea
              rows={4}
              className="mono"
              data-testid="mqtt-key"
              placeholder={secretPlaceholder(stored?.key ?? false)}
              value={value.key}
              onChange={(e) => set('key', e.target.value)}
            />
            <ForgetButton field="key" stored={stored} onStoredChange={onStoredChange} />
          </Field>
          <label className="check">
            <input
              type="checkbox"
              checked={value.rejectUnauthorized}
              onChange={(e) => set('rejectUnauthorized', e.target.checked)}
            />{' '}
            Verify the broker's certificate
          </label>
        </div>
      </details>
    </div>
  );
}

function templateLines(text: string): string[] {
  return [...new Set(text.split('\n').map((l) => l.trim()))].filter((l) => l !== '');
}
