/**
 * The one place that prepares @peculiar/x509: it resolves its algorithms through tsyringe,
 * which needs the reflect-metadata polyfill loaded first, and it needs a WebCrypto
 * provider. Every pki module imports x509 from here so that order is never wrong.
 *
 * WebCrypto types come from node:crypto's `webcrypto` namespace: the Node tsconfig has no
 * DOM lib, and the engine must not pretend it runs in a browser.
 */
import 'reflect-metadata';
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;

export const crypto: webcrypto.Crypto = webcrypto;
x509.cryptoProvider.set(crypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };

export const EC_KEY: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
export const SIGNING: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };

export function generateKeyPair(): Promise<CryptoKeyPair> {
  // extractable: the private key leaves this process (to the device, or sealed into the store)
  return crypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify']);
}

export async function privateKeyToPem(key: CryptoKey): Promise<string> {
  const der = await crypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

export function privateKeyFromPem(pem: string): Promise<CryptoKey> {
  let der: ArrayBuffer | undefined;
  try {
    der = x509.PemConverter.decode(pem)[0];
  } catch {
    der = undefined;
  }
  if (!der) return Promise.reject(new Error('no PEM block in the private key'));
  return crypto.subtle.importKey('pkcs8', der, EC_KEY, false, ['sign']);
}

/** 16 random bytes, top bit clear and first byte non-zero: a positive DER INTEGER of exactly 16 bytes. */
export function randomSerialHex(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString('hex');
}

export { sha256Colon } from './fingerprints';

export function sha256Hex(data: Uint8Array | ArrayBuffer): string {
  return createHash('sha256')
    .update(data instanceof ArrayBuffer ? new Uint8Array(data) : data)
    .digest('hex');
}

export { normalizeSerial } from './fingerprints';
