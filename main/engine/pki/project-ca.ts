/**
 * The project CA: created on first use, then loaded back from SQLite on every start. Its
 * private key lives only as a sealed secret; the certificate and the counters live in
 * `pki_ca`. Devices trust nothing else from Fieldline, so losing this key means
 * re-commissioning every device: it is never regenerated once it exists.
 */

import type Database from 'better-sqlite3';
import type { Logger } from '../log';
import type { SecretStore } from '../secrets/secret-store';
import { SecretStoreError } from '../secrets/secret-store';
import { IssuedCertificates } from './issued-certificates';
import { ProjectCaError } from './pki-errors';
import {
  type CryptoKey,
  crypto,
  generateKeyPair,
  privateKeyFromPem,
  privateKeyToPem,
  randomSerialHex,
  SIGNING,
  x509,
} from './x509';

export const CA_KEY_SECRET = 'pki.ca.private-key';
const CA_VALIDITY_YEARS = 10;
/** devices with a clock a little behind must still accept what the CA signs today */
export const CLOCK_SKEW_MS = 60 * 60 * 1000;
/** RFC 5280 ub-common-name */
const MAX_CN = 64;

export interface ProjectCaOptions {
  db: Database.Database;
  secrets: SecretStore;
  /** used only when the CA is created; a stored CA keeps its original subject */
  projectName: string;
  organization?: string;
  log?: Logger;
  now?: () => Date;
}

export { ProjectCaError } from './pki-errors';

export class ProjectCa {
  readonly certificatePem: string;
  readonly issued: IssuedCertificates;

  private constructor(
    private readonly db: Database.Database,
    readonly certificate: x509.X509Certificate,
    private readonly signingKey: CryptoKey,
    readonly now: () => Date,
    readonly log: Logger | undefined,
  ) {
    this.certificatePem = certificate.toString('pem');
    this.issued = new IssuedCertificates(db);
  }

  /** Loads the stored CA, or creates it when this data folder has none yet. */
  static async open(options: ProjectCaOptions): Promise<ProjectCa> {
    const { db, secrets, log } = options;
    const now = options.now ?? (() => new Date());
    const row = db
      .prepare<[], { certificate_pem: string }>('SELECT certificate_pem FROM pki_ca WHERE id = 1')
      .get();
    if (row) {
      let keyPem: string | undefined;
      try {
        keyPem = secrets.get(CA_KEY_SECRET);
      } catch (error) {
        if (!(error instanceof SecretStoreError)) throw error;
        throw new ProjectCaError(
          `the project CA private key cannot be opened with this master key (${error.message}); ` +
            'the data folder was probably copied without its key (safeStorage entry or master.key)',
          { cause: error },
        );
      }
      if (!keyPem) {
        throw new ProjectCaError(
          `the project CA certificate is stored but its private key (${CA_KEY_SECRET}) is missing: ` +
            'restore the data folder from a backup; issuing from a new CA would orphan every device',
        );
      }
      const certificate = new x509.X509Certificate(row.certificate_pem);
      const key = await privateKeyFromPem(keyPem);
      await assertKeyMatches(certificate, key);
      return new ProjectCa(db, certificate, key, now, log);
    }
    const keys = await generateKeyPair();
    const notBefore = new Date(now().getTime() - CLOCK_SKEW_MS);
    const notAfter = new Date(notBefore);
    notAfter.setUTCFullYear(notAfter.getUTCFullYear() + CA_VALIDITY_YEARS);
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      name: [
        { CN: [`Fieldline project CA ${options.projectName}`.slice(0, MAX_CN).trim()] },
        { O: [(options.organization ?? 'Fieldline').slice(0, MAX_CN)] },
      ],
      keys,
      serialNumber: randomSerialHex(),
      notBefore,
      notAfter,
      signingAlgorithm: SIGNING,
      extensions: [
        // pathLen 0: this CA signs devices only, never another CA
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    const keyPem = await privateKeyToPem(keys.privateKey);
    // key and certificate commit together: a crash between them would leave a CA that cannot sign
    const created = secrets.transaction(() => {
      // another process sharing this data folder may have won the race: use its CA, never replace it
      if (db.prepare('SELECT 1 FROM pki_ca WHERE id = 1').get()) return false;
      secrets.put(CA_KEY_SECRET, keyPem);
      db.prepare('INSERT INTO pki_ca (id, certificate_pem, created_at) VALUES (1, ?, ?)').run(
        certificate.toString('pem'),
        now().getTime(),
      );
      return true;
    });
    if (!created) return ProjectCa.open(options);
    log?.info('project CA created', { subject: certificate.subject, serial: certificate.serialNumber });
    const signingKey = await privateKeyFromPem(keyPem);
    return new ProjectCa(db, certificate, signingKey, now, log);
  }

  get subject(): string {
    return this.certificate.subject;
  }

  /** The next value of the issuance counter, persisted before it is used so it never repeats. */
  nextSerialSeq(): number {
    return this.bump('serial_counter');
  }

  /** CRL numbers must strictly increase (RFC 5280 5.2.3), across restarts too. */
  nextCrlNumber(): number {
    return this.bump('crl_number');
  }

  get serialCounter(): number {
    return this.counter('serial_counter');
  }

  get crlNumber(): number {
    return this.counter('crl_number');
  }

  async authorityKeyIdentifier(): Promise<x509.AuthorityKeyIdentifierExtension> {
    return x509.AuthorityKeyIdentifierExtension.create(this.certificate.publicKey);
  }

  signCertificate(
    params: Omit<x509.X509CertificateCreateWithKeyParams, 'issuer' | 'signingKey' | 'signingAlgorithm'>,
  ): Promise<x509.X509Certificate> {
    return x509.X509CertificateGenerator.create({
      ...params,
      issuer: this.certificate.subjectName,
      signingKey: this.signingKey,
      signingAlgorithm: SIGNING,
    });
  }

  signCrl(
    params: Omit<x509.X509CrlCreateParams, 'issuer' | 'signingKey' | 'signingAlgorithm'>,
  ): Promise<x509.X509Crl> {
    return x509.X509CrlGenerator.create({
      ...params,
      issuer: this.certificate.subjectName,
      signingKey: this.signingKey,
      signingAlgorithm: SIGNING,
    });
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  private bump(column: 'serial_counter' | 'crl_number'): number {
    return this.db
      .prepare<[], { value: number }>(
        `UPDATE pki_ca SET ${column} = ${column} + 1 WHERE id = 1 RETURNING ${column} AS value`,
      )
      .get()!.value;
  }

  private counter(column: 'serial_counter' | 'crl_number'): number {
    return this.db.prepare<[], { value: number }>(`SELECT ${column} AS value FROM pki_ca WHERE id = 1`).get()!
      .value;
  }
}

/** A key that does not belong to the stored certificate means the store was mixed up: fail loudly. */
async function assertKeyMatches(certificate: x509.X509Certificate, key: CryptoKey): Promise<void> {
  const challenge = crypto.getRandomValues(new Uint8Array(32));
  const signature = await crypto.subtle.sign(SIGNING, key, challenge);
  const publicKey = await certificate.publicKey.export();
  if (!(await crypto.subtle.verify(SIGNING, publicKey as unknown as CryptoKey, signature, challenge))) {
    throw new ProjectCaError('the stored project CA key does not match the stored CA certificate');
  }
}
