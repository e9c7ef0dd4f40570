/**
 * The project certificate authority and per-device credentials: status, exports for the
 * plant's broker (CA certificate, CRL, a mosquitto config snippet) and revocation.
 * Issuing and rotating a device's credentials happen over its connection, through the
 * commissioning contract.
 */
import { z } from 'zod';

const id = z.string().min(1).max(200);
const timestamp = z.number().int().min(0).max(8.64e15);
const serialHex = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[0-9a-fA-F:]+$/, 'a certificate serial number in hex');

export const REVOCATION_REASONS = [
  'unspecified',
  'keyCompromise',
  'superseded',
  'cessationOfOperation',
] as const;

export const CaInfoSchema = z.object({
  subject: z.string(),
  /** SHA-256 of the CA certificate, AB:CD:… */
  fingerprint: z.string(),
  notBefore: timestamp,
  notAfter: timestamp,
  /** where the CA's private key is sealed: safeStorage (desktop) or a 0600 key file (headless) */
  keyProtection: z.string(),
});

export const IssuedCertificateSchema = z.object({
  serialHex: z.string(),
  /** for a broker's server certificate, its first DNS name or IP address */
  deviceId: z.string(),
  /** client: a device's certificate (clientAuth); server: a plant broker's (serverAuth) */
  kind: z.enum(['client', 'server']),
  fingerprint: z.string(),
  notBefore: timestamp,
  notAfter: timestamp,
  issuedAt: timestamp,
  revokedAt: timestamp.nullable(),
  revocationReason: z.string().nullable(),
});
export type IssuedCertificateView = z.infer<typeof IssuedCertificateSchema>;

export const credentialsRequests = {
  /** the project CA (created on first call when missing) and what it issued */
  'pki.status': {
    params: z.object({}).strict().optional(),
    result: z.object({
      ca: CaInfoSchema,
      issued: z.number().int().nonnegative(),
      revoked: z.number().int().nonnegative(),
      crlNumber: z.number().int().nonnegative(),
    }),
  },
  'pki.certificates': {
    params: z.object({ deviceId: id.optional() }).strict().optional(),
    result: z.array(IssuedCertificateSchema),
  },
  'pki.revoke': {
    params: z.object({ serialHex, reason: z.enum(REVOCATION_REASONS).default('unspecified') }).strict(),
    result: IssuedCertificateSchema,
  },
  /**
   * Everything the plant's broker needs to trust commissioned devices: the CA certificate,
   * a fresh CRL, the psk_file of every device with a pre-shared key, and a mosquitto
   * snippet (cafile, crlfile, require_certificate, use_identity_as_username; with `pskPort`
   * also a TLS-PSK listener reading psk_file) naming the files as the user will save them.
   */
  'pki.brokerConfig': {
    params: z
      .object({
        port: z.number().int().min(1).max(65535).default(8883),
        caFile: z.string().max(500).default('/etc/mosquitto/certs/fieldline-ca.pem'),
        crlFile: z.string().max(500).default('/etc/mosquitto/certs/fieldline-crl.pem'),
        certFile: z.string().max(500).default('/etc/mosquitto/certs/server.pem'),
        keyFile: z.string().max(500).default('/etc/mosquitto/certs/server.key'),
        /** the address the listener binds; all interfaces when left out */
        bindAddress: z.string().min(1).max(100).optional(),
        /** add a TLS-PSK listener on this port (for devices commissioned with a PSK) */
        pskPort: z.number().int().min(1).max(65535).optional(),
        /** where the broker reads the psk_file (the path; the content is in the result) */
        pskFile: z.string().max(500).default('/etc/mosquitto/fieldline.psk'),
      })
      .strict()
      .optional(),
    result: z.object({
      caPem: z.string(),
      crlPem: z.string(),
      mosquittoConf: z.string(),
      /** mosquitto psk_file content, `identity:hexkey` per device with a PSK: secret, like a password file */
      pskFile: z.string(),
    }),
  },
} as const;

export const credentialsStreams = {} as const;
