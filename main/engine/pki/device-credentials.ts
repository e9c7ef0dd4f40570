/**
 * Per-device credentials from the project CA: an X.509 client certificate on a fresh P-256
 * key pair, or a random 32-byte PSK; never a secret shared between devices. Also the
 * plant broker's server certificate, revocation, the CRL and the mosquitto snippet.
 *
 * A device's private key is handed to the caller (to be written to the device over its
 * connection) and never stored here: the ledger keeps only the certificate and a hash of
 * the public key, so a stolen data folder cannot impersonate a device. PSKs must be known
 * to the broker, so they are kept, sealed, as `device.<id>.psk`.
 *
 * Rotation: `issueCertificate` again, and once the device confirms it runs on the new one,
 * `revoke(old, 'superseded')`. Until then both are valid, so a failed write leaves the
 * device with a working credential.
 */

import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type Database from 'better-sqlite3';
import type { IssuedCertificateView, REVOCATION_REASONS } from '../../../common/credentials-contract';
import type { Logger } from '../log';
import type { SecretStore } from '../secrets/secret-store';
import { DEFAULT_CRL_VALIDITY_DAYS, issueCrl } from './crl';
import { pskFingerprint } from './fingerprints';
import type { CertificateKind, IssuedCertificate } from './issued-certificates';
import { type MosquittoConfOptions, mosquittoListenerConf, mosquittoPskFile } from './mosquitto-conf';
import { CredentialsError, UnknownCertificateError } from './pki-errors';
import { CLOCK_SKEW_MS, ProjectCa } from './project-ca';
import {
  generateKeyPair,
  normalizeSerial,
  privateKeyToPem,
  randomSerialHex,
  sha256Colon,
  sha256Hex,
  x509,
} from './x509';

export type RevocationReason = (typeof REVOCATION_REASONS)[number];

export const DEFAULT_DEVICE_VALIDITY_DAYS = 730;
export const MAX_VALIDITY_DAYS = 3650;
const DAY_MS = 24 * 60 * 60 * 1000;
const PSK_BYTES = 32;

/**
 * A device id becomes the certificate CN, the MQTT username (use_identity_as_username), a
 * PSK identity and part of a secret name: letters, digits and `._:-` only, so it can never
 * smuggle `/`, `+` or `#` into an ACL pattern, and at most 64 characters (RFC 5280 ub-common-name).
 */
const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

export { CredentialsError, UnknownCertificateError } from './pki-errors';

export interface DeviceCredentialsOptions {
  db: Database.Database;
  secrets: SecretStore;
  log?: Logger;
  projectName: string;
  organization?: string;
  crlValidityDays?: number;
  now?: () => Date;
}

export interface IssuedKeyPair {
  certificatePem: string;
  privateKeyPem: string;
  /** the project CA certificate, to install as the device's (or broker's) trust anchor */
  caPem: string;
  serialHex: string;
  /** SHA-256 of the certificate, AB:CD:… (as `openssl x509 -fingerprint -sha256`) */
  fingerprint: string;
  notAfter: number;
}

export interface IssuedPsk {
  identity: string;
  keyHex: string;
  /** SHA-256 of the key, AB:CD:…: tells keys apart in reports without revealing them */
  fingerprint: string;
}

export interface ServerCertificateRequest {
  dnsNames?: string[];
  ipAddresses?: string[];
  validityDays?: number;
}

export interface CredentialsStatus {
  ca: { subject: string; fingerprint: string; notBefore: number; notAfter: number };
  issued: number;
  revoked: number;
  crlNumber: number;
}

const REASON_CODES: Record<RevocationReason, x509.X509CrlReason> = {
  unspecified: x509.X509CrlReason.unspecified,
  keyCompromise: x509.X509CrlReason.keyCompromise,
  superseded: x509.X509CrlReason.superseded,
  cessationOfOperation: x509.X509CrlReason.cessationOfOperation,
};

export function checkDeviceId(deviceId: string): string {
  if (typeof deviceId !== 'string' || !DEVICE_ID.test(deviceId)) {
    throw new CredentialsError(
      `device id "${String(deviceId).slice(0, 80)}" cannot be put in a certificate: use 1-64 letters, ` +
        'digits, ".", "_", ":" or "-", starting with a letter or digit',
    );
  }
  return deviceId;
}

export function pskSecretName(deviceId: string): string {
  return `device.${checkDeviceId(deviceId)}.psk`;
}

const PSK_SECRET = /^device\.(.+)\.psk$/;

export class DeviceCredentials {
  private constructor(
    private readonly ca: ProjectCa,
    private readonly secrets: SecretStore,
    private readonly log: Logger | undefined,
    private readonly crlValidityDays: number,
  ) {}

  /** Opens the project CA, creating it (key sealed in the secret store) on first use. */
  static async open(options: DeviceCredentialsOptions): Promise<DeviceCredentials> {
    const ca = await ProjectCa.open({
      db: options.db,
      secrets: options.secrets,
      projectName: options.projectName,
      ...(options.organization ? { organization: options.organization } : {}),
      ...(options.log ? { log: options.log } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    return new DeviceCredentials(
      ca,
      options.secrets,
      options.log,
      options.crlValidityDays ?? DEFAULT_CRL_VALIDITY_DAYS,
    );
  }

  get caPem(): string {
    return this.ca.certificatePem;
  }

  /** A new key pair and client certificate (CN = device id, EKU clientAuth) for one device. */
  async issueCertificate(deviceId: string, options: { validityDays?: number } = {}): Promise<IssuedKeyPair> {
    checkDeviceId(deviceId);
    const issued = await this.sign({
      kind: 'client',
      holder: deviceId,
      subject: [{ CN: [deviceId] }, { O: [this.organization()] }],
      validityDays: options.validityDays ?? DEFAULT_DEVICE_VALIDITY_DAYS,
      extensions: [
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false),
        new x509.SubjectAlternativeNameExtension([
          { type: 'url', value: `urn:fieldline:device:${encodeURIComponent(deviceId)}` },
        ]),
      ],
    });
    this.log?.info('device certificate issued', {
      deviceId,
      serial: issued.serialHex,
      fingerprint: issued.fingerprint,
    });
    return issued;
  }

  /** The plant broker's TLS server certificate (EKU serverAuth) for the given names and addresses. */
  async issueServerCertificate(request: ServerCertificateRequest): Promise<IssuedKeyPair> {
    const dnsNames = request.dnsNames ?? [];
    const ipAddresses = request.ipAddresses ?? [];
    for (const name of dnsNames) {
      if (
        !/^(?=.{1,253}$)(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(
          name,
        )
      ) {
        throw new CredentialsError(`"${name.slice(0, 80)}" is not a DNS name`);
      }
    }
    for (const ip of ipAddresses) {
      if (isIP(ip) === 0) throw new CredentialsError(`"${ip.slice(0, 80)}" is not an IP address`);
    }
    const holder = dnsNames[0] ?? ipAddresses[0];
    if (!holder) throw new CredentialsError('a server certificate needs at least one DNS name or IP address');
    const issued = await this.sign({
      kind: 'server',
      holder,
      subject: [{ CN: [holder] }, { O: [this.organization()] }],
      validityDays: request.validityDays ?? DEFAULT_DEVICE_VALIDITY_DAYS,
      extensions: [
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
        new x509.SubjectAlternativeNameExtension([
          ...dnsNames.map((value) => ({ type: 'dns' as const, value })),
          ...ipAddresses.map((value) => ({ type: 'ip' as const, value })),
        ]),
      ],
    });
    this.log?.info('broker server certificate issued', { holder, serial: issued.serialHex });
    return issued;
  }

  /**
   * A fresh random PSK for the device (replacing any earlier one: once the broker's psk_file
   * is exported again, the old key is refused), sealed in the secret store.
   */
  issuePsk(deviceId: string): IssuedPsk {
    const name = pskSecretName(deviceId);
    if (deviceId.includes(':')) {
      // mosquitto's psk_file is `identity:key`, split at the first colon
      throw new CredentialsError(
        `device id "${deviceId}" cannot be a PSK identity: mosquitto's psk_file cannot hold a ":" in it; use a certificate or another id`,
      );
    }
    const key = randomBytes(PSK_BYTES);
    const keyHex = key.toString('hex');
    this.secrets.put(name, keyHex);
    this.log?.info('device PSK issued', { deviceId });
    return { identity: deviceId, keyHex, fingerprint: pskFingerprint(deviceId, keyHex) };
  }

  /** The device's current PSK, for the broker's psk_file; undefined when none was issued. */
  psk(deviceId: string): IssuedPsk | undefined {
    const keyHex = this.secrets.get(pskSecretName(deviceId));
    if (keyHex === undefined) return undefined;
    return { identity: deviceId, keyHex, fingerprint: pskFingerprint(deviceId, keyHex) };
  }

  /** Forgets the device's PSK (decommissioned, key compromised): left out of the next psk_file. */
  removePsk(deviceId: string): boolean {
    const removed = this.secrets.delete(pskSecretName(deviceId));
    if (removed) this.log?.info('device PSK removed', { deviceId });
    return removed;
  }

  /** Every device's current PSK, by identity; a key that cannot go in a psk_file is logged and left out. */
  psks(): IssuedPsk[] {
    const out: IssuedPsk[] = [];
    for (const name of this.secrets.names('device.')) {
      const deviceId = PSK_SECRET.exec(name)?.[1];
      if (deviceId === undefined) continue;
      const keyHex = this.secrets.get(name);
      if (keyHex === undefined) continue;
      try {
        mosquittoPskFile([{ identity: deviceId, keyHex }]);
      } catch (error) {
        this.log?.warn('device PSK left out of the psk_file', { deviceId, error: (error as Error).message });
        continue;
      }
      out.push({ identity: deviceId, keyHex, fingerprint: pskFingerprint(deviceId, keyHex) });
    }
    return out;
  }

  /** The broker's psk_file (mosquitto format, `identity:hexkey` a line): secret material. */
  pskFile(): string {
    return mosquittoPskFile(this.psks());
  }

  /** Revokes a certificate; revoking it again keeps the first date and reason. */
  revoke(serialHex: string, reason: RevocationReason = 'unspecified'): IssuedCertificateView {
    const code = REASON_CODES[reason];
    if (code === undefined) throw new CredentialsError(`unknown revocation reason "${String(reason)}"`);
    const serial = normalizeSerial(serialHex);
    if (!this.ca.issued.markRevoked(serial, code, this.ca.now())) {
      throw new UnknownCertificateError(
        `no certificate with serial ${serial.slice(0, 64)} was issued by this CA`,
      );
    }
    const revoked = this.ca.issued.find(serial)!;
    this.log?.info('certificate revoked', { serial, deviceId: revoked.deviceId, reason });
    return toView(revoked);
  }

  /** A freshly signed CRL (PEM) listing every revoked certificate; each call takes the next CRL number. */
  async crlPem(): Promise<string> {
    return (await issueCrl(this.ca, this.crlValidityDays)).pem;
  }

  /** Every certificate issued (devices and brokers), or one device's client certificates. */
  certificates(deviceId?: string): IssuedCertificateView[] {
    const list = deviceId === undefined ? this.ca.issued.all() : this.ca.issued.forDevice(deviceId);
    return list.map(toView);
  }

  /** The device's newest certificate that is neither revoked nor expired. */
  activeCertificate(deviceId: string): IssuedCertificateView | undefined {
    const active = this.ca.issued.activeForDevice(deviceId, this.ca.now());
    const newest = active[active.length - 1];
    return newest && toView(newest);
  }

  status(): CredentialsStatus {
    const { certificate } = this.ca;
    return {
      ca: {
        subject: certificate.subject,
        fingerprint: sha256Colon(certificate.rawData),
        notBefore: certificate.notBefore.getTime(),
        notAfter: certificate.notAfter.getTime(),
      },
      ...this.ca.issued.counts(),
      crlNumber: this.ca.crlNumber,
    };
  }

  mosquittoConf(options: MosquittoConfOptions): string {
    return mosquittoListenerConf(options);
  }

  private organization(): string {
    return this.ca.certificate.subjectName.getField('O')[0] ?? 'Fieldline';
  }

  private async sign(request: {
    kind: CertificateKind;
    holder: string;
    subject: x509.JsonName;
    validityDays: number;
    extensions: x509.Extension[];
  }): Promise<IssuedKeyPair> {
    const { validityDays } = request;
    if (!Number.isInteger(validityDays) || validityDays < 1 || validityDays > MAX_VALIDITY_DAYS) {
      throw new CredentialsError(`validityDays must be a whole number from 1 to ${MAX_VALIDITY_DAYS}`);
    }
    const now = this.ca.now();
    const notBefore = new Date(now.getTime() - CLOCK_SKEW_MS);
    // never past the CA's own expiry: a chain is only as valid as its shortest link
    const notAfter = new Date(
      Math.min(now.getTime() + validityDays * DAY_MS, this.ca.certificate.notAfter.getTime()),
    );
    if (notAfter.getTime() <= now.getTime()) {
      throw new CredentialsError('the project CA has expired; it can no longer issue certificates');
    }
    // a fresh key pair every time: the ledger's UNIQUE public-key hash backs this up
    const keys = await generateKeyPair();
    const seq = this.ca.nextSerialSeq();
    const certificate = await this.ca.signCertificate({
      serialNumber: randomSerialHex(),
      subject: request.subject,
      publicKey: keys.publicKey,
      notBefore,
      notAfter,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        ...request.extensions,
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        await this.ca.authorityKeyIdentifier(),
      ],
    });
    const certificatePem = certificate.toString('pem');
    const fingerprint = sha256Colon(certificate.rawData);
    const serialHex = normalizeSerial(certificate.serialNumber);
    this.ca.issued.record({
      serialHex,
      seq,
      deviceId: request.holder,
      kind: request.kind,
      certificatePem,
      fingerprintSha256: fingerprint,
      publicKeySha256: sha256Hex(certificate.publicKey.rawData),
      notBefore: certificate.notBefore,
      notAfter: certificate.notAfter,
      issuedAt: now,
    });
    return {
      certificatePem,
      privateKeyPem: await privateKeyToPem(keys.privateKey),
      caPem: this.ca.certificatePem,
      serialHex,
      fingerprint,
      notAfter: certificate.notAfter.getTime(),
    };
  }
}

const REASON_NAMES = new Map<number, RevocationReason>(
  Object.entries(REASON_CODES).map(([name, code]) => [code, name as RevocationReason]),
);

function toView(c: IssuedCertificate): IssuedCertificateView {
  return {
    serialHex: c.serialHex,
    deviceId: c.deviceId,
    kind: c.kind,
    fingerprint: c.fingerprintSha256,
    notBefore: c.notBefore.getTime(),
    notAfter: c.notAfter.getTime(),
    issuedAt: c.issuedAt.getTime(),
    revokedAt: c.revokedAt?.getTime() ?? null,
    revocationReason:
      c.revocationReason === undefined
        ? null
        : (REASON_NAMES.get(c.revocationReason) ?? x509.X509CrlReason[c.revocationReason] ?? 'unspecified'),
  };
}
