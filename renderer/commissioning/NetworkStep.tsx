/**
 * Network: the Wi-Fi network (scanned by the device over Improv, or typed), its password
 * (sealed in the engine, never shown again), the broker and the reporting interval,
 * written to the device and read back.
 */
import { useEffect, useState } from 'react';
import type { RequestResult } from '../../common/contract';
import { engine } from '../rpc/engine';
import { draftKey, hasDraft, useDraft } from '../state/commissioning';
import { Field } from '../tools/Field';
import { errorMessage } from '../tools/use-poll';
import { Facts, StepFrame, type StepProps } from './StepFrame';
import { type DemoPlantHints, useDemoPlant } from './site-hints';
import {
  canReusePassword,
  type Errors,
  type NetworkFields,
  networkFieldsFrom,
  parseNetwork,
} from './wizard-forms';

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

/** On the demo site: what to type, and a button that types it. */
function DemoHint({
  plant,
  onFill,
  disabled,
}: {
  plant: DemoPlantHints;
  onFill(patch: Partial<NetworkFields>): void;
  disabled: boolean;
}) {
  const secured = plant.wifi.find((w) => w.password !== '') ?? plant.wifi[0];
  return (
    <div className="notice notice-info" data-testid="network-demo-hint">
      Demo site: the demo devices see{' '}
      {plant.wifi.map((w, i) => (
        <span key={w.ssid}>
          {i > 0 ? ' and ' : ''}
          <strong className="mono">{w.ssid}</strong>
          {w.password ? (
            <>
              {' '}
              (password <span className="mono">{w.password}</span>)
            </>
          ) : (
            ' (open)'
          )}
        </span>
      ))}
      ; they report to the demo broker{' '}
      {plant.brokerUrl ? (
        <span className="mono">{plant.brokerUrl}</span>
      ) : plant.error ? (
        <span className="form-error">which is not running: {plant.error}</span>
      ) : (
        <span className="muted">(starting…)</span>
      )}
      .{' '}
      {secured && (
        <button
          type="button"
          className="small-button"
          disabled={disabled}
          onClick={() =>
            onFill({
              ssid: secured.ssid,
              password: secured.password,
              reusePassword: false,
              ...(plant.brokerUrl ? { brokerUrl: plant.brokerUrl } : {}),
            })
          }
          data-testid="network-demo-fill"
        >
          Fill these in
        </button>
      )}
    </div>
  );
}

/** as NetworkInputSchema allows: an SSID is at most 32 bytes, a WPA2 passphrase 63 */
const NETWORK_MAX_LENGTH = { ssid: 32, brokerUrl: 500, reportingIntervalS: 5 } as const;

export function NetworkStep({ session, run, busy }: StepProps) {
  const key = draftKey(session.id, 'network');
  const [fields, setFields] = useDraft(key, () => networkFieldsFrom(session));
  const [errors, setErrors] = useState<Errors<NetworkFields>>({});
  const set = (patch: Partial<NetworkFields>) => setFields({ ...fields, ...patch });
  const demo = useDemoPlant();
  const demoBroker = demo?.brokerUrl ?? null;
  // biome-ignore lint/correctness/useExhaustiveDependencies: applied once the demo broker's URL is known
  useEffect(() => {
    // an empty broker field on the demo site gets the demo broker; anything typed or recorded wins
    if (demoBroker === null || hasDraft(key) || fields.brokerUrl !== '') return;
    setFields({ ...fields, brokerUrl: demoBroker });
  }, [demoBroker]);
  const canReuse = canReusePassword(session);
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
        maxLength={NETWORK_MAX_LENGTH[name]}
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
      {demo && <DemoHint plant={demo} onFill={set} disabled={busy} />}
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
              maxLength={63}
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
