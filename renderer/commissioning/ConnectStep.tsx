/**
 * Connect: a serial port (picked from the list, refreshed every second, or typed: ptys
 * and odd drivers are not listed) or a BLE peripheral seen by one of the Bluetooth
 * adapters. On the demo site the demo plant's Bluetooth connector is preselected.
 */

import { useEffect, useState } from 'react';
import { engine } from '../rpc/engine';
import { draftKey, hasDraft, useDraft } from '../state/commissioning';
import { useConnectors } from '../state/connectors';
import { Field } from '../tools/Field';
import { usePoll } from '../tools/use-poll';
import { Facts, StepFrame, type StepProps } from './StepFrame';
import { useDemoPlant, useReachableBleConnectors } from './site-hints';
import { type ConnectFields, connectFieldsFrom, type Errors, parseConnect } from './wizard-forms';

const PORT_POLL_MS = 1000;
const PERIPHERAL_POLL_MS = 2000;

function SerialFields({
  value,
  set,
  errors,
}: {
  value: ConnectFields;
  set(p: Partial<ConnectFields>): void;
  errors: Errors<ConnectFields>;
}) {
  const ports = usePoll(() => engine().request('serial.ports'), PORT_POLL_MS, 'wizard-serial-ports');
  return (
    <div className="form-grid">
      <Field label="Port" hint={ports.error ?? `${ports.data?.length ?? 0} found; ptys are typed as a path`}>
        <select
          data-testid="connect-port"
          value={ports.data?.some((p) => p.path === value.path) ? value.path : ''}
          onChange={(e) => e.target.value && set({ path: e.target.value })}
        >
          <option value="">{ports.data === null ? 'looking…' : 'choose a port…'}</option>
          {ports.data?.map((p) => (
            <option key={p.path} value={p.path}>
              {p.path}
              {p.manufacturer ? ` — ${p.manufacturer}` : ''}
              {p.vendorId ? ` (${p.vendorId}:${p.productId ?? '?'})` : ''}
              {p.serialNumber ? ` #${p.serialNumber}` : ''}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Path">
        <input
          data-testid="connect-path"
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
          data-testid="connect-baud"
        />
        {errors.baudRate && <span className="field-error">{errors.baudRate}</span>}
      </Field>
    </div>
  );
}

function BleFields({
  value,
  set,
  errors,
}: {
  value: ConnectFields;
  set(p: Partial<ConnectFields>): void;
  errors: Errors<ConnectFields>;
}) {
  // selected whole: a filtered array is new on every call and would re-render forever
  const bleConnectors = useConnectors((s) => s.connectors).filter((c) => c.kind === 'ble');
  const reachable = useReachableBleConnectors(bleConnectors.map((c) => c.id));
  // only adapters that can list peripherals can reach a device; the chosen one stays listed
  const adapters = bleConnectors.filter((c) => c.id === value.connectorId || reachable?.has(c.id) === true);
  const peripherals = usePoll(
    () => engine().request('ble.peripherals', { connectorId: value.connectorId }),
    PERIPHERAL_POLL_MS,
    `wizard-ble-${value.connectorId}`,
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
          data-testid="connect-ble-adapter"
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
          data-testid="connect-ble-peripheral"
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

export function ConnectStep({ session, run, busy }: StepProps) {
  const key = draftKey(session.id, 'connect');
  const [fields, setFields] = useDraft(key, () => connectFieldsFrom(session));
  const [errors, setErrors] = useState<Errors<ConnectFields>>({});
  const set = (patch: Partial<ConnectFields>) => setFields({ ...fields, ...patch });
  const demo = useDemoPlant();
  // biome-ignore lint/correctness/useExhaustiveDependencies: applied once, when the demo plant is known
  useEffect(() => {
    // the demo's devices are on its Bluetooth connector; a link already chosen or anything typed wins
    if (!demo || session.link || hasDraft(key)) return;
    setFields({ ...connectFieldsFrom(session), kind: 'ble', connectorId: demo.bleConnectorId });
  }, [demo]);
  const submit = () => {
    const parsed = parseConnect(fields);
    if (!parsed.ok) return setErrors(parsed.errors);
    setErrors({});
    void run(parsed.value);
  };
  const link = session.link;
  return (
    <StepFrame
      session={session}
      step="connect"
      title="Connect"
      intro="Plug the device in over USB, or power it up near this computer for Bluetooth, and pick it here."
      submitLabel="Connect"
      busy={busy}
      onSubmit={submit}
      result={
        link && (
          <Facts
            items={[
              [
                'Link',
                link.kind === 'serial'
                  ? `${link.path} @ ${link.baudRate}`
                  : `${link.peripheralId} via ${link.connectorId}`,
              ],
              ['State', session.linkOpen ? 'open' : 'closed (reopened when a step needs it)'],
            ]}
          />
        )
      }
    >
      <fieldset className="kind-picker">
        <legend>Connection</legend>
        {(['serial', 'ble'] as const).map((kind) => (
          <label key={kind} className="check">
            <input
              type="radio"
              name="link-kind"
              value={kind}
              checked={fields.kind === kind}
              onChange={() => set({ kind })}
              data-testid={`connect-kind-${kind}`}
            />
            {kind === 'serial' ? 'USB serial' : 'Bluetooth LE'}
          </label>
        ))}
      </fieldset>
      {fields.kind === 'serial' ? (
        <SerialFields value={fields} set={set} errors={errors} />
      ) : (
        <BleFields value={fields} set={set} errors={errors} />
      )}
    </StepFrame>
  );
}
