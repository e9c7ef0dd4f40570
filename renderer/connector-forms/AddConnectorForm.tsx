/**
 * The add-connector form: pick a kind, fill its fields, Add. The engine has the last word
 * on a config; its INVALID_PARAMS message is shown next to the form, and the form stays
 * filled so the user can fix the one field and try again. Escape closes it.
 */
import { type FormEvent, useState } from 'react';
import { engine } from '../rpc/engine';
import {
  type BuildResult,
  buildBleConfig,
  buildMqttConfig,
  buildSerialConfig,
  type ConnectorKind,
  defaultBleFields,
  defaultMqttFields,
  defaultSerialFields,
} from '../tools/connector-config';
import { Field } from '../tools/Field';
import { errorMessage } from '../tools/use-poll';
import { BleForm } from './BleForm';
import { MqttForm } from './MqttForm';
import { SerialForm } from './SerialForm';

interface Props {
  takenIds: readonly string[];
  onClose(): void;
  onAdded(id: string): void;
}

export function AddConnectorForm({ takenIds, onClose, onAdded }: Props) {
  const [kind, setKind] = useState<ConnectorKind>('serial');
  const [id, setId] = useState('');
  const [label, setLabel] = useState('');
  const [serial, setSerial] = useState(defaultSerialFields);
  const [mqtt, setMqtt] = useState(defaultMqttFields);
  const [ble, setBle] = useState(defaultBleFields);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

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
      setError(built.error);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const status = await engine().request('connectors.add', { kind, config: built.config });
      onAdded(status.id);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="add-connector panel"
      data-testid="add-connector-form"
      aria-label="Add connector"
      onSubmit={submit}
      onKeyDown={(e) => e.key === 'Escape' && onClose()}
    >
      <fieldset className="kind-picker">
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
                setError(null);
              }}
            />{' '}
            {k === 'serial' ? 'Serial port' : k === 'mqtt' ? 'MQTT broker' : 'Bluetooth LE'}
          </label>
        ))}
      </fieldset>
      <div className="form-grid">
        <Field label="Connector id" hint="optional; made up from the port or broker">
          <input data-testid="connector-id" value={id} onChange={(e) => setId(e.target.value)} />
        </Field>
        <Field label="Label" hint="optional">
          <input value={label} onChange={(e) => setLabel(e.target.value)} />
        </Field>
      </div>
      {kind === 'serial' && <SerialForm value={serial} onChange={setSerial} />}
      {kind === 'mqtt' && <MqttForm value={mqtt} onChange={setMqtt} />}
      {kind === 'ble' && <BleForm value={ble} onChange={setBle} />}
      {error && (
        <div className="notice notice-error" role="alert" data-testid="add-connector-error">
          {error}
        </div>
      )}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy} data-testid="add-connector-submit">
          {busy ? 'Adding…' : 'Add'}
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}
