import type { Migration } from './index';

/**
 * The secret store and the project CA's records. One migration so both arrive together:
 * a CA whose key row exists without its certificate row (or the reverse) is never seen.
 *
 * - secrets: sealed values by name (`fl1:` envelopes, name bound as associated data).
 * - pki_ca: the one project CA; its private key is the secret `pki.ca.private-key`.
 * - pki_certificates: every certificate the CA issued, with revocation state; the SPKI hash
 *   is UNIQUE so two devices can never be given the same key pair. `kind` tells device
 *   (clientAuth) certificates from the plant broker's (serverAuth) ones; a server
 *   certificate's device_id is the broker's first DNS name or IP address.
 */
export const migration005: Migration = {
  version: 5,
  name: 'secrets',
  up: `
    CREATE TABLE secrets (
      name TEXT PRIMARY KEY,
      sealed TEXT NOT NULL,
      updated_at INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE pki_ca (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      certificate_pem TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      serial_counter INTEGER NOT NULL DEFAULT 0,
      crl_number INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE TABLE pki_certificates (
      serial_hex TEXT PRIMARY KEY,
      seq INTEGER NOT NULL UNIQUE,
      device_id TEXT NOT NULL,
      kind TEXT NOT NULL DEFAULT 'client' CHECK (kind IN ('client', 'server')),
      certificate_pem TEXT NOT NULL,
      fingerprint_sha256 TEXT NOT NULL,
      public_key_sha256 TEXT NOT NULL UNIQUE,
      not_before INTEGER NOT NULL,
      not_after INTEGER NOT NULL,
      issued_at INTEGER NOT NULL,
      revoked_at INTEGER,
      revocation_reason INTEGER
    ) STRICT;
    CREATE INDEX pki_certificates_device ON pki_certificates (device_id, seq);
  `,
};
