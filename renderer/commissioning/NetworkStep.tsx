/**
 * Network: the Wi-Fi network (scanned by the device over Improv, or typed), its password
 * (sealed in the engine, never shown again), the broker and the reporting interval,
 * written to the device and read back.
 */
import { useState } from 'react';
import type { RequestResult } from '../../common/contract';
import { engine } from '../rpc/engine';
import { draftKey, useDraft } from '../state/commissioning';
import { Field } from '../tools/Field';
import { errorMessage } from '../tools/use-poll';
import { Facts, StepFrame, type StepProps } from './StepFrame';
import { type Errors, type NetworkFields, networkFieldsFrom, parseNetwork } from './wizard-forms';

type Networks = RequestResult<'commissioning.wifiScan'>;

function WifiScan({
  sessionId,
  onPick,
  disabled,
}: {
  sessionId: string;
  onPick(ssid: string): void;
  disabled: boolean;
}) {
  const [networks, setNetworks] = useState<Networks | null>(null);
  const [scanning, setScanning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const scan = () => {
    setScanning(true);
    setError(null);
    engine()
      .request('commissioning.wifiScan', { sessionId })
      .then(setNetworks, (e: unknown) => setError(errorMessage(e)))
      .finally(() => setScanning(false));
  };
  return (
    <div className="wifi-scan">
      <button
        type="button"
        className="small-button"
        onClick={scan}
        disabled={scanning || disabled}
        data-testid="wifi-scan"
      >
        {scanning ? 'Scanning…' : 'Scan from the device'}
      </button>
      {error && <span className="form-error"> Scan failed: {error} (type the network name instead)</span>}
      {networks && networks.length === 0 && <span className="muted small"> no networks seen</span>}
      {networks && networks.length > 0 && (
        <ul className="wifi-list" aria-label="Networks the device sees">
          {networks.map((n) => (
            <li key={n.ssid}>
              <button
                type="button"
                className="link-button"
                onClick={() => onPick(n.ssid)}
                data-testid="wifi-network"
              >
                {n.ssid}
              </button>{' '}
              <span className="muted small">
                {n.rssi} dBm{n.secured ? ' · secured' : ' · open'}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function NetworkStep({ session, run, busy }: StepProps) {
  const key = draftKey(session.id, 'network');
  const [fields, setFields] = useDraft(key, () => networkFieldsFrom(session));
  const [errors, setErrors] = useState<Errors<NetworkFields>>({});
  const set = (patch: Partial<NetworkFields>) => setFields({ ...fields, ...patch });
  const canReuse = session.network !== null || session.carried?.network?.hasPassword === true;
  const submit = () => {
    const parsed = parseNetwork(fields);
    if (!parsed.ok) return setErrors(parsed.errors);
    setErrors({});
    void run(parsed.value);
  };
  const n = session.network;
  const text = (
    name: 'ssid' | 'brokerUrl' | 'reportingIntervalS',
    label: string,
    placeholder: string,
    hint?: string,
  ) => (
    <Field label={label} hint={hint}>
      <input
        value={fields[name]}
        placeholder={placeholder}
        aria-invalid={errors[name] ? true : undefined}
        onChange={(e) => set({ [name]: e.target.value })}
        data-testid={`network-${name}`}
      />
      {errors[name] && <span className="field-error">{errors[name]}</span>}
    </Field>
  );
  return (
    <StepFrame
      session={session}
      step="network"
      title="Network"
      intro="Joins the device to the site's Wi-Fi (Improv) and points it at the broker."
      submitLabel="Write network settings"
      busy={busy}
      onSubmit={submit}
      result={
        n && (
          <Facts
            items={[
              ['Wi-Fi', n.ssid],
              [
                'Broker',
                <span key="broker" className="mono">
                  {n.brokerUrl}
                </span>,
              ],
              ['Reporting every', `${n.reportingIntervalS} s`],
              ['Read back', n.verified ? '✓ matches what was written' : '⚠ not confirmed by the device'],
            ]}
          />
        )
      }
    >
      <WifiScan sessionId={session.id} onPick={(ssid) => set({ ssid })} disabled={busy} />
      <div className="form-grid">
        {text('ssid', 'Wi-Fi network (SSID)', 'plant-iot')}
        <Field
          label="Wi-Fi password"
          hint={fields.reusePassword ? 'the saved password is used' : 'empty for an open network'}
        >
          {canReuse && (
            <label className="check">
              <input
                type="checkbox"
                checked={fields.reusePassword}
                onChange={(e) => set({ reusePassword: e.target.checked, password: '' })}
                data-testid="network-reuse-password"
              />
              use the saved password
            </label>
          )}
          {!fields.reusePassword && (
            <input
              type="password"
              autoComplete="off"
              value={fields.password}
              aria-invalid={errors.password ? true : undefined}
              onChange={(e) => set({ password: e.target.value })}
              data-testid="network-password"
            />
          )}
          {errors.password && <span className="field-error">{errors.password}</span>}
        </Field>
        {text('brokerUrl', 'Broker URL', 'mqtts://broker.plant:8883', 'mqtt://, mqtts://, ws:// or wss://')}
        {text('reportingIntervalS', 'Reporting interval (s)', '10')}
      </div>
    </StepFrame>
  );
}
