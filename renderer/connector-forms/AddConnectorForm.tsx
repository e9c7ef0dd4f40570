/**
 * The add-connector form: pick a kind, fill its fields, Add. The engine has the last word
 * on a config; every problem it (or the quick check here) finds shows beside its field in
 * plain words, and all of them in a summary, and the form stays filled so the user can fix
 * them and try again. Escape closes it.
 *
 * Given `editing` (a saved config from connectors.get) the same form edits a connector:
 * kind and id fixed, fields pre-filled, stored secrets left empty to keep them, and Save
 * sends connectors.update.
 */
import { type FormEvent, useState } from 'react';
import { engine } from '../rpc/engine';
import {
  type BuildResult,
  buildBleConfig,
  buildMqttConfig,
  buildSerialConfig,
  type ConnectorFieldKey,
  type ConnectorKind,
  defaultBleFields,
  defaultMqttFields,
  defaultSerialFields,
  FIELD_ALIASES,
  FIELD_LABELS,
  LIMITS,
} from '../tools/connector-config';
import { Field } from '../tools/Field';
import {
  errorSummary,
  type FormErrors,
  formErrorsFromError,
  hasErrors,
  noErrors,
  pathMapper,
} from '../tools/form-errors';
import { BleForm } from './BleForm';
import { type EditState, editedConfig } from './edit-fields';
import { MqttForm } from './MqttForm';
import { SerialForm } from './SerialForm';

interface Props {
  takenIds: readonly string[];
  onClose(): void;
  onAdded(id: string): void;
  /** edit this connector instead of adding one */
  editing?: EditState;
}

export function AddConnectorForm({ takenIds, onClose, onAdded, editing }: Props) {
  const [kind, setKind] = useState<ConnectorKind>(editing?.kind ?? 'serial');
  const [id, setId] = useState(editing?.id ?? '');
  const [label, setLabel] = useState(editing?.label ?? '');
  const [serial, setSerial] = useState(editing?.serial ?? defaultSerialFields);
  const [mqtt, setMqtt] = useState(editing?.mqtt ?? defaultMqttFields);
  const [ble, setBle] = useState(editing?.ble ?? defaultBleFields);
  const [stored, setStored] = useState(editing?.stored ?? { password: false, key: false });
  const [errors, setErrors] = useState<FormErrors<ConnectorFieldKey>>(noErrors);
  const [busy, setBusy] = useState(false);
  const labels = FIELD_LABELS[kind] as Readonly<Record<ConnectorFieldKey, string>>;

  const build = (): BuildResult => {
    const common = { id, label };
    if (kind === 'serial') return buildSerialConfig({ ...serial, ...common }, takenIds);
    if (kind === 'mqtt') return buildMqttConfig({ ...mqtt, ...common }, takenIds);
    return buildBleConfig({ ...ble, ...common }, takenIds);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const built = build();
    if (!built.ok) {
      setErrors({ fields: built.errors, other: [] });
      return;
    }
    setBusy(true);
    setErrors(noErrors());
    try {
      const status = editing
        ? await engine().request('connectors.update', {
            id: editing.id,
            config: editedConfig(editing.original, built.config, stored, kind),
          })
        : await engine().request('connectors.add', { kind, config: built.config });
      onAdded(status.id);
    } catch (e) {
      const keys = Object.keys(labels) as ConnectorFieldKey[];
      setErrors(formErrorsFromError(e, pathMapper(keys, FIELD_ALIASES, 'config')));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="add-connector panel"
      data-testid="add-connector-form"
      data-editing={editing?.id}
      aria-label={editing ? `Edit connector ${editing.id}` : 'Add connector'}
      onSubmit={submit}
      onKeyDown={(e) => e.key === 'Escape' && onClose()}
    >
      {editing && <h2 className="section-title">Edit “{editing.id}”</h2>}
      <fieldset className="kind-picker" disabled={editing !== undefined}>
        <legend>Kind</legend>
        {(['serial', 'mqtt', 'ble'] as const).map((k) => (
          <label key={k} className="check">
            <input
              type="radio"
              name="connector-kind"
              value={k}
              data-testid={`kind-${k}`}
              checked={kind === k}
              onChange={() => {
                setKind(k);
                setErrors(noErrors());
              }}
            />{' '}
            {k === 'serial' ? 'Serial port' : k === 'mqtt' ? 'MQTT broker' : 'Bluetooth LE'}
          </label>
        ))}
      </fieldset>
      <div className="form-grid">
        <Field
          label="Connector id"
          hint={
            editing ? 'fixed: remove and add again to rename' : 'optional; made up from the port or broker'
          }
          error={errors.fields.id}
        >
          <input
            data-testid="connector-id"
            value={id}
            maxLength={LIMITS.id}
            readOnly={editing !== undefined}
            onChange={(e) => setId(e.target.value)}
          />
        </Field>
        <Field label="Label" hint="optional" error={errors.fields.label}>
          <input
            data-testid="connector-label"
            value={label}
            maxLength={LIMITS.label}
            onChange={(e) => setLabel(e.target.value)}
          />
        </Field>
      </div>
      {kind === 'serial' && <SerialForm value={serial} onChange={setSerial} errors={errors.fields} />}
      {kind === 'mqtt' && (
        <MqttForm
          value={mqtt}
          onChange={setMqtt}
          stored={stored}
          onStoredChange={setStored}
          errors={errors.fields}
        />
      )}
      {kind === 'ble' && <BleForm value={ble} onChange={setBle} errors={errors.fields} />}
      {hasErrors(errors) && (
        <div className="notice notice-error" role="alert" data-testid="add-connector-error">
          {Object.keys(errors.fields).length > 0 ? 'Please fix these and try again:' : 'Not saved:'}
          <ul className="error-list">
            {errorSummary(errors, labels).map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        </div>
      )}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy} data-testid="add-connector-submit">
          {editing ? (busy ? 'Saving…' : 'Save') : busy ? 'Adding…' : 'Add'}
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}
