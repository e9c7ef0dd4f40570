/**
 * A device's side of TLS-PSK (RFC 4279): the options Node's tls.connect needs, handed
 * through mqtt.js, to reach a broker's psk_hint listener with a per-device identity and key.
 */
import type { ConnectionOptions } from 'node:tls';

/**
 * TLS 1.2 PSK suites (RFC 4279, 5489, 7905 and friends), forward-secret ECDHE-PSK first. Node
 * offers TLS-PSK only up to TLS 1.2, and leaves PSK suites out of its defaults. Debian's
 * mosquitto (OpenSSL 3) accepts all of these on a psk_hint listener.
 */
export const PSK_CIPHERS = [
  'ECDHE-PSK-CHACHA20-POLY1305',
  'ECDHE-PSK-AES256-CBC-SHA384',
  'ECDHE-PSK-AES128-CBC-SHA256',
  'PSK-AES256-GCM-SHA384',
  'PSK-AES128-GCM-SHA256',
  'PSK-CHACHA20-POLY1305',
].join(':');

export type PskTlsOptions = Pick<
  ConnectionOptions,
  'ciphers' | 'minVersion' | 'maxVersion' | 'pskCallback' | 'checkServerIdentity' | 'rejectUnauthorized'
>;

/** tls.connect options (through mqtt.js) for TLS-PSK with the device's own identity and key. */
export function pskTlsOptions(creds: { identity: string; keyHex: string }): PskTlsOptions {
  const psk = Buffer.from(creds.keyHex, 'hex');
  return {
    ciphers: PSK_CIPHERS,
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.2',
    pskCallback: () => ({ identity: creds.identity, psk }),
    // PSK suites carry no certificate: only a broker holding the key can finish the handshake
    checkServerIdentity: () => undefined,
    rejectUnauthorized: true,
  };
}
