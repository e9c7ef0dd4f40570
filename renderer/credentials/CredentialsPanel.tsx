/**
 * The project CA and what it issued: the CA's subject, fingerprint, validity and where
 * its key is sealed; every certificate with revoke; and what the plant's broker needs to
 * trust the devices (CA certificate, CRL, a mosquitto listener snippet, the psk_file of
 * devices with a pre-shared key), to copy or save.
 */
import { useCallback, useEffect, useState } from 'react';
import type { RequestResult } from '../../common/contract';
import type { IssuedCertificateView } from '../../common/credentials-contract';
import { downloadText } from '../export/download';
import { formatCount, formatDateTime } from '../format';
import { expiryOf } from '../registry/device-facts';
import { hrefFor } from '../router';
import { engine } from '../rpc/engine';
import { LoadError } from '../tools/PageNotices';
import { errorMessage } from '../tools/use-poll';
import { maskPskFile, PSK_LISTENER_PORT, pskFileCount } from './psk-file';
import { type RevocationReason, RevokeDialog } from './RevokeDialog';

type Status = RequestResult<'pki.status'>;
type BrokerConfig = RequestResult<'pki.brokerConfig'>;

function ExpiryText({ at, now }: { at: number; now: number }) {
  const e = expiryOf(at, now);
  return (
    <span className={`expiry expiry-${e.level}`} title={formatDateTime(at)}>
      {formatDateTime(at).slice(0, 10)} · {e.text}
    </span>
  );
}

function CaFacts({ status, now }: { status: Status; now: number }) {
  const { ca } = status;
  return (
    <dl className="facts" data-testid="ca-facts">
      <div>
        <dt>Subject</dt>
        <dd className="mono">{ca.subject}</dd>
      </div>
      <div>
        <dt>SHA-256 fingerprint</dt>
        <dd className="mono fingerprint">{ca.fingerprint}</dd>
      </div>
      <div>
        <dt>Valid from</dt>
        <dd>{formatDateTime(ca.notBefore)}</dd>
      </div>
      <div>
        <dt>Valid until</dt>
        <dd>
          <ExpiryText at={ca.notAfter} now={now} />
        </dd>
      </div>
      <div>
        <dt>Key protected by</dt>
        <dd>{ca.keyProtection}</dd>
      </div>
      <div>
        <dt>Issued / revoked</dt>
        <dd>
          {formatCount(status.issued)} / {formatCount(status.revoked)} · CRL #{status.crlNumber}
        </dd>
      </div>
    </dl>
  );
}

/** The devices' pre-shared keys: secret, so the keys stay hidden until asked for. */
function PskFileBlock({ text, listener }: { text: string; listener: boolean }) {
  const [reveal, setReveal] = useState(false);
  const count = pskFileCount(text);
  return (
    <div className="pem-block" data-testid="broker-psk-file">
      <div className="toolbar">
        <strong>Device pre-shared keys (psk_file)</strong>
        <span className="mono small muted">fieldline.psk</span>
        <label className="check small">
          <input
            type="checkbox"
            checked={reveal}
            onChange={(e) => setReveal(e.target.checked)}
            data-testid="broker-psk-reveal"
          />{' '}
          Show keys
        </label>
        <button
          type="button"
          className="small-button"
          onClick={() => downloadText(text, 'fieldline.psk', 'text/plain;charset=utf-8')}
          disabled={count === 0}
        >
          Download
        </button>
      </div>
      <p className="notice notice-warn small" role="note">
        Secret: anyone holding this file can connect as any of these{' '}
        {count === 1 ? 'device' : `${count} devices`}. Save it only on the broker (readable by mosquitto
        alone, mode 0600), never in a ticket or an email, and reload mosquitto after saving it.
        {!listener && count > 0 && ' The listener above has no TLS-PSK part yet: tick "TLS-PSK listener".'}
      </p>
      <pre className="payload" data-testid="broker-fieldline.psk">
        {count === 0 ? '(no device has a pre-shared key)' : reveal ? text : maskPskFile(text)}
      </pre>
    </div>
  );
}

/** `revision` changes after a revocation: a CRL already shown is fetched again, never left stale. */
function BrokerConfigPanel({ revision }: { revision: number }) {
  const [config, setConfig] = useState<BrokerConfig | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [pskListener, setPskListener] = useState(false);
  const load = () => {
    setLoading(true);
    setError(null);
    engine()
      .request('pki.brokerConfig', pskListener ? { pskPort: PSK_LISTENER_PORT } : undefined)
      .then(setConfig, (e: unknown) => setError(errorMessage(e)))
      .finally(() => setLoading(false));
  };
  const shown = config !== null;
  // biome-ignore lint/correctness/useExhaustiveDependencies: `revision` and the listener choice are the triggers
  useEffect(() => {
    if (shown) load();
  }, [revision, pskListener]);
  const files: { label: string; name: string; text: (c: BrokerConfig) => string; mime: string }[] = [
    {
      label: 'CA certificate',
      name: 'fieldline-ca.pem',
      text: (c) => c.caPem,
      mime: 'application/x-pem-file',
    },
    {
      label: 'Revocation list (CRL)',
      name: 'fieldline-crl.pem',
      text: (c) => c.crlPem,
      mime: 'application/x-pem-file',
    },
    {
      label: 'mosquitto listener',
      name: 'fieldline.conf',
      text: (c) => c.mosquittoConf,
      mime: 'text/plain;charset=utf-8',
    },
  ];
  return (
    <section className="panel" data-testid="broker-config">
      <div className="toolbar">
        <h2 className="section-title">Broker config</h2>
        <label className="check small">
          <input
            type="checkbox"
            checked={pskListener}
            onChange={(e) => setPskListener(e.target.checked)}
            data-testid="broker-psk-listener"
          />{' '}
          TLS-PSK listener (port {PSK_LISTENER_PORT})
        </label>
        <button type="button" onClick={load} disabled={loading} data-testid="broker-config-load">
          {loading ? 'Preparing…' : config ? 'Refresh (new CRL)' : 'Show broker config'}
        </button>
      </div>
      <p className="muted small">
        Save the CA certificate and the CRL on the broker and add the listener to its configuration, so it
        accepts commissioned devices by their certificate and refuses revoked ones. Export the CRL again after
        every revocation. Devices commissioned with a pre-shared key connect to the TLS-PSK listener, which
        reads the psk_file: export it again after commissioning or re-keying one.
      </p>
      {error && (
        <p className="form-error" role="alert">
          Could not build the broker config: {error}
        </p>
      )}
      {config &&
        files.map((f) => (
          <div key={f.name} className="pem-block">
            <div className="toolbar">
              <strong>{f.label}</strong>
              <span className="mono small muted">{f.name}</span>
              <button
                type="button"
                className="small-button"
                onClick={() => downloadText(f.text(config), f.name, f.mime)}
              >
                Download
              </button>
            </div>
            <pre className="payload" data-testid={`broker-${f.name}`}>
              {f.text(config)}
            </pre>
          </div>
        ))}
      {config && <PskFileBlock text={config.pskFile} listener={pskListener} />}
    </section>
  );
}

export function CredentialsPanel() {
  // expiry is counted in days: the time of the last load is precise enough, and a
  // long certificate list is not re-rendered every second
  const [now, setNow] = useState(() => Date.now());
  const [status, setStatus] = useState<Status | null>(null);
  const [certs, setCerts] = useState<IssuedCertificateView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [deviceFilter, setDeviceFilter] = useState('');
  const [revoking, setRevoking] = useState<IssuedCertificateView | null>(null);
  const [revokeBusy, setRevokeBusy] = useState(false);
  const [revokeError, setRevokeError] = useState<string | null>(null);
  const [revision, setRevision] = useState(0);

  const load = useCallback(() => {
    setError(null);
    Promise.all([engine().request('pki.status'), engine().request('pki.certificates')]).then(
      ([s, c]) => {
        setNow(Date.now());
        setStatus(s);
        setCerts([...c].sort((a, b) => b.issuedAt - a.issuedAt));
      },
      (e: unknown) => setError(errorMessage(e)),
    );
  }, []);
  useEffect(load, [load]);

  const revoke = (reason: RevocationReason) => {
    if (!revoking) return;
    setRevokeBusy(true);
    setRevokeError(null);
    engine()
      .request('pki.revoke', { serialHex: revoking.serialHex, reason })
      .then(
        () => {
          setRevoking(null);
          setRevision((r) => r + 1);
          load();
        },
        (e: unknown) => setRevokeError(errorMessage(e)),
      )
      .finally(() => setRevokeBusy(false));
  };

  const filter = deviceFilter.trim().toLowerCase();
  const shown = certs?.filter((c) => filter === '' || c.deviceId.toLowerCase().includes(filter)) ?? [];

  return (
    <section className="page" data-testid="credentials-panel">
      <div className="page-head">
        <h1>Credentials</h1>
        <span className="muted">project certificate authority</span>
      </div>
      <LoadError what="the certificate authority" error={error} onRetry={load} />
      {status ? <CaFacts status={status} now={now} /> : !error && <p className="muted">loading…</p>}
      <div className="toolbar">
        <h2 className="section-title">Certificates</h2>
        <input
          className="filter"
          type="search"
          placeholder="Filter by device id"
          aria-label="Filter certificates by device id"
          value={deviceFilter}
          onChange={(e) => setDeviceFilter(e.target.value)}
        />
      </div>
      <table className="grid" data-testid="certificates">
        <thead>
          <tr>
            <th>Device</th>
            <th>Serial</th>
            <th>Fingerprint (SHA-256)</th>
            <th>Issued</th>
            <th>Expires</th>
            <th>Status</th>
            <th>
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {shown.map((c) => (
            <tr key={c.serialHex} data-testid="certificate-row" data-serial={c.serialHex}>
              <td>
                <a href={hrefFor({ name: 'registry', deviceId: c.deviceId })}>{c.deviceId}</a>
              </td>
              <td className="mono">{c.serialHex}</td>
              <td className="mono detail" title={c.fingerprint}>
                {c.fingerprint}
              </td>
              <td className="nowrap">{formatDateTime(c.issuedAt)}</td>
              <td className="nowrap">
                <ExpiryText at={c.notAfter} now={now} />
              </td>
              <td>
                {c.revokedAt === null ? (
                  <span className="badge state-online">valid</span>
                ) : (
                  <span className="badge state-error" title={formatDateTime(c.revokedAt)}>
                    revoked{c.revocationReason ? ` (${c.revocationReason})` : ''}
                  </span>
                )}
              </td>
              <td>
                {c.revokedAt === null && (
                  <button
                    type="button"
                    className="small-button"
                    onClick={() => {
                      setRevokeError(null);
                      setRevoking(c);
                    }}
                    data-testid="certificate-revoke"
                  >
                    Revoke…
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {certs !== null && shown.length === 0 && (
        <p className="empty">
          {certs.length === 0 ? 'No certificates issued yet.' : 'No certificate matches.'}
        </p>
      )}
      <BrokerConfigPanel revision={revision} />
      {revoking && (
        <RevokeDialog
          certificate={revoking}
          busy={revokeBusy}
          error={revokeError}
          onCancel={() => setRevoking(null)}
          onConfirm={revoke}
        />
      )}
    </section>
  );
}
