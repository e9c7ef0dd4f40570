/**
 * "Rotate certificate" in a device's detail: asks how the device is connected (the link
 * it was commissioned over is offered first), runs `commissioning.rotateCredentials`,
 * and shows the new certificate and the revoked one, or what a failure means for the
 * old certificate. The engine gives no progress for this one call, so the time it has
 * been running is shown instead; it takes a few seconds over Bluetooth.
 */
import { useEffect, useRef, useState } from 'react';
import type { DeviceLink } from '../../common/commissioning-contract';
import type { RequestResult } from '../../common/contract';
import type { RegistryDevice } from '../../common/registry-contract';
import { useDemoPlant } from '../commissioning/site-hints';
import { LinkPicker } from '../devices/LinkPicker';
import {
  describeLink,
  type LinkErrors,
  type LinkFields,
  linkFieldsFrom,
  parseLink,
} from '../devices/link-fields';
import { hrefFor } from '../router';
import { engine } from '../rpc/engine';
import {
  commissionedLinkOf,
  explainRotationError,
  type RotationFailure,
  rotationEligibility,
} from './rotation';

type Rotated = RequestResult<'commissioning.rotateCredentials'>;

type Phase =
  | { name: 'idle' }
  | { name: 'choosing' }
  | { name: 'running'; link: DeviceLink; startedAt: number }
  | { name: 'done'; link: DeviceLink; result: Rotated; tookMs: number }
  | { name: 'failed'; link: DeviceLink; failure: RotationFailure };

function Elapsed({ since }: { since: number }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, []);
  return <span className="mono">{Math.max(0, Math.floor((now - since) / 1000))} s</span>;
}

export function RotateCertificate({
  device,
  onDevice,
}: {
  device: RegistryDevice;
  onDevice(d: RegistryDevice): void;
}) {
  const [phase, setPhase] = useState<Phase>({ name: 'idle' });
  const [fields, setFields] = useState<LinkFields | null>(null);
  const [errors, setErrors] = useState<LinkErrors>({});
  const demo = useDemoPlant();
  const eligible = rotationEligibility(device);
  // a rotation that ends after the detail moved on to another device must not touch it
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  // the first guess at the link, once, when the form opens: how the device was commissioned,
  // else on the demo site the demo's Bluetooth adapter
  useEffect(() => {
    if (phase.name !== 'choosing' || fields !== null) return;
    let live = true;
    engine()
      .request('commissioning.list', { status: 'done' })
      .then(
        (sessions) => commissionedLinkOf(sessions, device.id),
        () => null,
      )
      .then((link) => {
        if (!live) return;
        setFields((f) => {
          if (f !== null) return f;
          if (link) return linkFieldsFrom(link);
          const blank = linkFieldsFrom(null);
          return demo ? { ...blank, kind: 'ble', connectorId: demo.bleConnectorId } : blank;
        });
      });
    return () => {
      live = false;
    };
  }, [phase.name, fields, device.id, demo]);

  if (!eligible.ok) {
    if (device.credential === null) return null;
    return (
      <p className="muted small" data-testid="rotate-unavailable">
        Certificate rotation: {eligible.reason}.
      </p>
    );
  }

  const reload = () =>
    engine()
      .request('registry.get', { deviceId: device.id })
      .then(
        (d) => mounted.current && onDevice(d),
        () => {},
      );

  const rotate = () => {
    if (!fields) return;
    const parsed = parseLink(fields);
    if (!parsed.ok) return setErrors(parsed.errors);
    setErrors({});
    const startedAt = Date.now();
    setPhase({ name: 'running', link: parsed.link, startedAt });
    engine()
      .request('commissioning.rotateCredentials', { deviceId: device.id, link: parsed.link })
      .then(
        (result) => setPhase({ name: 'done', link: parsed.link, result, tookMs: Date.now() - startedAt }),
        (e: unknown) => setPhase({ name: 'failed', link: parsed.link, failure: explainRotationError(e) }),
      )
      // the credential and audit trail shown change on success, and may have on an unclear failure
      .finally(() => void reload());
  };

  if (phase.name === 'idle')
    return (
      <div className="form-actions">
        <button
          type="button"
          className="small-button"
          onClick={() => setPhase({ name: 'choosing' })}
          data-testid="rotate-open"
        >
          Rotate certificate…
        </button>
      </div>
    );

  return (
    <section
      className="panel"
      aria-label="Rotate certificate"
      data-testid="rotate-panel"
      data-phase={phase.name}
    >
      <h4 className="section-title">Rotate certificate</h4>
      {phase.name === 'choosing' && (
        <>
          <p className="muted small">
            A new certificate is issued and written to the device over this link; the old one is revoked
            (superseded) only once the device reports the new one.
            {device.serialNumber ? (
              <>
                {' '}
                The device on the link must be serial <span className="mono">{device.serialNumber}</span>.
              </>
            ) : null}
          </p>
          {fields === null ? (
            <p className="muted">loading…</p>
          ) : (
            <LinkPicker
              value={fields}
              onChange={(patch) => setFields({ ...fields, ...patch })}
              errors={errors}
              testIdPrefix="rotate"
            />
          )}
          <div className="form-actions">
            <button type="button" onClick={rotate} disabled={fields === null} data-testid="rotate-run">
              Rotate
            </button>
            <button type="button" onClick={() => setPhase({ name: 'idle' })}>
              Cancel
            </button>
          </div>
        </>
      )}
      {phase.name === 'running' && (
        <div className="wizard-progress" role="status" data-testid="rotate-progress">
          <progress aria-label="Rotating the certificate" />
          <span>
            Rotating over {describeLink(phase.link)}… <Elapsed since={phase.startedAt} />: checking the serial
            number, issuing and writing the new certificate, checking its fingerprint, then revoking the old
            one. Keep the device powered and in reach.
          </span>
        </div>
      )}
      {phase.name === 'done' && (
        <>
          <p className="form-ok" role="status">
            New certificate on the device in {(phase.tookMs / 1000).toFixed(1)} s.
          </p>
          <dl className="facts" data-testid="rotate-result">
            <div>
              <dt>New fingerprint</dt>
              <dd className="mono fingerprint" data-testid="rotate-new-fingerprint">
                {phase.result.newFingerprint}
              </dd>
            </div>
            <div>
              <dt>New serial</dt>
              <dd className="mono" data-testid="rotate-new-serial">
                {phase.result.newSerialHex}
              </dd>
            </div>
            <div>
              <dt>Old certificate</dt>
              <dd data-testid="rotate-revoked">
                {phase.result.revokedSerialHex === null ? (
                  <span className="muted">none was active</span>
                ) : (
                  <>
                    <span className="mono" data-testid="rotate-revoked-serial">
                      {phase.result.revokedSerialHex}
                    </span>{' '}
                    revoked (superseded)
                  </>
                )}
              </dd>
            </div>
          </dl>
          <div className="notice notice-warn" data-testid="rotate-crl-reminder">
            Copy the new CRL to the broker: a broker that checks the exported CRL accepts the old certificate
            until it has the new list.{' '}
            <a href={hrefFor({ name: 'credentials' })} data-testid="rotate-crl-link">
              Credentials ▸ Broker config
            </a>{' '}
            (Refresh, then download the CRL).
          </div>
          <div className="form-actions">
            <button type="button" onClick={() => setPhase({ name: 'idle' })} data-testid="rotate-close">
              Done
            </button>
          </div>
        </>
      )}
      {phase.name === 'failed' && (
        <>
          <div
            className="notice notice-error"
            role="alert"
            data-testid="rotate-error"
            data-kind={phase.failure.kind}
          >
            <strong data-testid="rotate-error-title">{phase.failure.title}</strong>
            <p className="mono small">{phase.failure.detail}</p>
            <p data-testid="rotate-old-certificate">
              {phase.failure.oldCertificate === 'still valid'
                ? 'The old certificate is still valid; the device keeps using it.'
                : 'Whether the old certificate is still valid is not known.'}{' '}
              {phase.failure.advice}
            </p>
          </div>
          <div className="form-actions">
            <button type="button" onClick={() => setPhase({ name: 'choosing' })} data-testid="rotate-retry">
              Try again
            </button>
            <button type="button" onClick={() => setPhase({ name: 'idle' })}>
              Close
            </button>
          </div>
        </>
      )}
    </section>
  );
}
