/**
 * How Fieldline names a credential without revealing it. The device computes the same
 * (resources/docs/device-config-protocol.md), so what the wizard records and what the
 * device reports after storing a credential can be compared byte for byte.
 */
import { createHash } from 'node:crypto';

/** SHA-256 in openssl's `-fingerprint` style: AB:CD:... */
export function sha256Colon(data: Uint8Array | ArrayBuffer): string {
  const hex = createHash('sha256')
    .update(data instanceof ArrayBuffer ? new Uint8Array(data) : data)
    .digest('hex')
    .toUpperCase();
  return hex.match(/../g)!.join(':');
}

/** SHA-256 of UTF-8 "<identity>:<key hex, lowercase>": binds the key to the identity it is used with. */
export function pskFingerprint(identity: string, keyHex: string): string {
  return sha256Colon(Buffer.from(`${identity}:${keyHex.toLowerCase()}`, 'utf8'));
}

/** Serial numbers are compared as lowercase hex without separators or leading zero bytes. */
export function normalizeSerial(serialHex: string): string {
  return serialHex
    .toLowerCase()
    .replace(/[:\s]/g, '')
    .replace(/^(00)+(?=[0-9a-f])/, '');
}
