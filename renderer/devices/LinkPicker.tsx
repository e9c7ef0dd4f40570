/**
 * How a device in hand is reached: a serial port (picked from the list, refreshed every
 * second, or typed: ptys and odd drivers are not listed) and its baud rate, or a BLE
 * peripheral seen by one of the Bluetooth adapters that can list peripherals. Used by the
 * wizard's Connect step and by certificate rotation; `testIdPrefix` keeps each one's
 * test ids apart (the wizard's are `connect-…`).
 */

import { useReachableBleConnectors } from '../commissioning/site-hints';
import { engine } from '../rpc/engine';
import { useConnectors } from '../state/connectors';
import { Field } from '../tools/Field';
import { SerialPortField } from '../tools/SerialPortField';
import { usePoll } from '../tools/use-poll';
import type { LinkErrors, LinkFields } from './link-fields';

const PERIPHERAL_POLL_MS = 2000;

interface FieldsProps {
  value: LinkFields;
  set(p: Partial<LinkFields>): void;
  errors: LinkErrors;
  prefix: string;
}

function SerialFields({ value, set, errors, prefix }: FieldsProps) {
  return (
    <div className="form-grid">
      <SerialPortField
        path={value.path}
        onPick={(path) => set({ path })}
        testId={`${prefix}-port`}
        pollKey={`${prefix}-serial-ports`}
      />
      <Field label="Path">
        <input
          data-testid={`${prefix}-path`}
          value={value.path}
          placeholder="/dev/ttyUSB0"
          aria-invalid={errors.path ? true : undefined}
          onChange={(e) => set({ path: e.target.value })}
        />
        {errors.path && <span className="field-error">{errors.path}</span>}
      </Field>
      <Field label="Baud rate">
        <input
          inputMode="numeric"
          value={value.baudRate}
          aria-invalid={errors.baudRate ? true : undefined}
          onChange={(e) => set({ baudRate: e.target.value })}
          data-testid={`${prefix}-baud`}
        />
        {errors.baudRate && <span className="field-error">{errors.baudRate}</span>}
      </Field>
    </div>
  );
}

function BleFields({ value, set, errors, prefix }: FieldsProps) {
  // selected whole: a filtered array is new on every call and would re-render forever
  const bleConnectors = useConnectors((s) => s.connectors).filter(
    (c) => c.kind === 'ble' && c.provisioning !== false,
  );
  const reachable = useReachableBleConnectors(bleConnectors.map((c) => c.id));
  // only adapters that can list peripherals can reach a device; the chosen one stays listed
  const adapters = bleConnectors.filter((c) => c.id === value.connectorId || reachable?.has(c.id) === true);
  const peripherals = usePoll(
    () => engine().request('ble.peripherals', { connectorId: value.connectorId }),
    PERIPHERAL_POLL_MS,
    `${prefix}-ble-${value.connectorId}`,
    value.connectorId !== '',
  );
  return (
    <div className="form-grid">
      <Field
        label="Bluetooth adapter"
        hint={
          reachable === null && bleConnectors.length > 0
            ? 'checking the adapters…'
            : adapters.length === 0
              ? 'add a BLE connector under Connections first'
              : undefined
        }
      >
        <select
          value={value.connectorId}
          aria-invalid={errors.connectorId ? true : undefined}
          onChange={(e) => set({ connectorId: e.target.value, peripheralId: '' })}
          data-testid={`${prefix}-ble-adapter`}
        >
          <option value="">choose an adapter…</option>
          {adapters.map((a) => (
            <option key={a.id} value={a.id}>
              {a.label} ({a.state})
            </option>
          ))}
        </select>
        {errors.connectorId && <span className="field-error">{errors.connectorId}</span>}
      </Field>
      <Field
        label="Device"
        hint={
          peripherals.error ??
          (value.connectorId ? `${peripherals.data?.length ?? 0} seen, strongest first` : undefined)
        }
      >
        <select
          value={value.peripheralId}
          aria-invalid={errors.peripheralId ? true : undefined}
          onChange={(e) => set({ peripheralId: e.target.value })}
          disabled={value.connectorId === ''}
          data-testid={`${prefix}-ble-peripheral`}
        >
          <option value="">
            {peripherals.data === null && value.connectorId ? 'scanning…' : 'choose a device…'}
          </option>
          {[...(peripherals.data ?? [])]
            .sort((a, b) => b.rssi - a.rssi)
            .map((p) => (
              <option key={p.id} value={p.id} disabled={!p.connectable}>
                {p.name ?? '(no name)'} — {p.address} — {p.rssi} dBm
                {p.connectable ? '' : ' (not connectable)'}
              </option>
            ))}
        </select>
        {errors.peripheralId && <span className="field-error">{errors.peripheralId}</span>}
      </Field>
    </div>
  );
}

export function LinkPicker({
  value,
  onChange,
  errors,
  testIdPrefix = 'connect',
}: {
  value: LinkFields;
  /** a patch of the fields the user changed */
  onChange(patch: Partial<LinkFields>): void;
  errors: LinkErrors;
  testIdPrefix?: string;
}) {
  const prefix = testIdPrefix;
  return (
    <>
      <fieldset className="kind-picker">
        <legend>Connection</legend>
        {(['serial', 'ble'] as const).map((kind) => (
          <label key={kind} className="check">
            <input
              type="radio"
              name={`${prefix}-link-kind`}
              value={kind}
              checked={value.kind === kind}
              onChange={() => onChange({ kind })}
              data-testid={`${prefix}-kind-${kind}`}
            />
            {kind === 'serial' ? 'USB serial' : 'Bluetooth LE'}
          </label>
        ))}
      </fieldset>
      {value.kind === 'serial' ? (
        <SerialFields value={value} set={onChange} errors={errors} prefix={prefix} />
      ) : (
        <BleFields value={value} set={onChange} errors={errors} prefix={prefix} />
      )}
    </>
  );
}
