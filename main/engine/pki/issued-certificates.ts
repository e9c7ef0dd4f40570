/**
 * The CA's ledger of what it issued and what it revoked (`pki_certificates`). The CRL and
 * the rotation logic read from here, and the registry can show a device's credential
 * fingerprint from here.
 */
import type Database from 'better-sqlite3';
import { normalizeSerial, type x509 } from './x509';

export type CertificateKind = 'client' | 'server';

export interface IssuedCertificate {
  serialHex: string;
  seq: number;
  /** the device id; for a server certificate, the broker's first DNS name or IP address */
  deviceId: string;
  kind: CertificateKind;
  certificatePem: string;
  fingerprintSha256: string;
  publicKeySha256: string;
  notBefore: Date;
  notAfter: Date;
  issuedAt: Date;
  revokedAt?: Date;
  revocationReason?: x509.X509CrlReason;
}

interface Row {
  serial_hex: string;
  seq: number;
  device_id: string;
  kind: string;
  certificate_pem: string;
  fingerprint_sha256: string;
  public_key_sha256: string;
  not_before: number;
  not_after: number;
  issued_at: number;
  revoked_at: number | null;
  revocation_reason: number | null;
}

export class DuplicateKeyError extends Error {}

export class IssuedCertificates {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      holderOfKey: db.prepare<[string], { device_id: string }>(
        'SELECT device_id FROM pki_certificates WHERE public_key_sha256 = ?',
      ),
      insert: db.prepare(
        `INSERT INTO pki_certificates (serial_hex, seq, device_id, kind, certificate_pem, fingerprint_sha256,
           public_key_sha256, not_before, not_after, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      find: db.prepare<[string], Row>('SELECT * FROM pki_certificates WHERE serial_hex = ?'),
      forDevice: db.prepare<[string], Row>(
        "SELECT * FROM pki_certificates WHERE device_id = ? AND kind = 'client' ORDER BY seq",
      ),
      all: db.prepare<[], Row>('SELECT * FROM pki_certificates ORDER BY seq'),
      revoked: db.prepare<[], Row>(
        'SELECT * FROM pki_certificates WHERE revoked_at IS NOT NULL ORDER BY revoked_at, seq',
      ),
      counts: db.prepare<[], { issued: number; revoked: number }>(
        'SELECT count(*) AS issued, count(revoked_at) AS revoked FROM pki_certificates',
      ),
      revoke: db.prepare(
        'UPDATE pki_certificates SET revoked_at = ?, revocation_reason = ? WHERE serial_hex = ? AND revoked_at IS NULL',
      ),
    };
  }

  record(entry: Omit<IssuedCertificate, 'revokedAt' | 'revocationReason'>): void {
    const known = this.statements.holderOfKey.get(entry.publicKeySha256);
    if (known) {
      // the UNIQUE constraint would stop it too; this says why in words
      throw new DuplicateKeyError(
        `refusing to certify a key pair already issued to "${known.device_id}": every device needs its own key`,
      );
    }
    this.statements.insert.run(
      normalizeSerial(entry.serialHex),
      entry.seq,
      entry.deviceId,
      entry.kind,
      entry.certificatePem,
      entry.fingerprintSha256,
      entry.publicKeySha256,
      entry.notBefore.getTime(),
      entry.notAfter.getTime(),
      entry.issuedAt.getTime(),
    );
  }

  find(serialHex: string): IssuedCertificate | undefined {
    const row = this.statements.find.get(normalizeSerial(serialHex));
    return row && fromRow(row);
  }

  /** A device's client certificates, oldest first. */
  forDevice(deviceId: string): IssuedCertificate[] {
    return this.statements.forDevice.all(deviceId).map(fromRow);
  }

  /** Certificates of the device that are neither revoked nor expired at `at`, oldest first. */
  activeForDevice(deviceId: string, at: Date): IssuedCertificate[] {
    return this.forDevice(deviceId).filter(
      (c) => c.revokedAt === undefined && c.notAfter.getTime() > at.getTime(),
    );
  }

  all(): IssuedCertificate[] {
    return this.statements.all.all().map(fromRow);
  }

  revoked(): IssuedCertificate[] {
    return this.statements.revoked.all().map(fromRow);
  }

  counts(): { issued: number; revoked: number } {
    return this.statements.counts.get()!;
  }

  /** First revocation wins: revoking again keeps the original date and reason. Returns false when unknown. */
  markRevoked(serialHex: string, reason: x509.X509CrlReason, at: Date): boolean {
    const serial = normalizeSerial(serialHex);
    if (!this.find(serial)) return false;
    this.statements.revoke.run(at.getTime(), reason, serial);
    return true;
  }
}

function fromRow(row: Row): IssuedCertificate {
  const c: IssuedCertificate = {
    serialHex: row.serial_hex,
    seq: row.seq,
    deviceId: row.device_id,
    kind: row.kind === 'server' ? 'server' : 'client',
    certificatePem: row.certificate_pem,
    fingerprintSha256: row.fingerprint_sha256,
    publicKeySha256: row.public_key_sha256,
    notBefore: new Date(row.not_before),
    notAfter: new Date(row.not_after),
    issuedAt: new Date(row.issued_at),
  };
  if (row.revoked_at !== null) c.revokedAt = new Date(row.revoked_at);
  if (row.revocation_reason !== null) c.revocationReason = row.revocation_reason;
  return c;
}
