/**
 * AES-256-GCM sealing of secrets at rest. The envelope is versioned (`fl1:`) so a later
 * change of algorithm or key can tell old envelopes apart instead of misreading them.
 * Optional associated data binds an envelope to where it is stored (the secret's name),
 * so a sealed value copied onto another row fails to open instead of being accepted.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { MasterKey } from './master-key';

const PREFIX = 'fl1:';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBoxError extends Error {}

export interface SecretBox {
  seal(plaintext: string | Uint8Array, associatedData?: string): string;
  open(envelope: string, associatedData?: string): Buffer;
  openString(envelope: string, associatedData?: string): string;
}

export function createSecretBox(masterKey: MasterKey): SecretBox {
  const key = masterKey.bytes();
  const open = (envelope: string, associatedData?: string): Buffer => {
    if (!envelope.startsWith(PREFIX)) {
      throw new SecretBoxError(
        `not a sealed secret this build can open (expected the ${PREFIX} envelope, got "${envelope.slice(0, 4)}")`,
      );
    }
    const raw = Buffer.from(envelope.slice(PREFIX.length), 'base64');
    if (raw.length < NONCE_BYTES + TAG_BYTES) throw new SecretBoxError('sealed secret is truncated');
    const nonce = raw.subarray(0, NONCE_BYTES);
    const tag = raw.subarray(raw.length - TAG_BYTES);
    const ciphertext = raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tag);
    if (associatedData !== undefined) decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    try {
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch {
      // GCM cannot tell a flipped bit from a wrong key: both fail the tag check
      throw new SecretBoxError(
        'sealed secret failed authentication: it was tampered with, or sealed with another master key',
      );
    }
  };
  return {
    seal(plaintext, associatedData) {
      // a random 96-bit nonce per seal: safe for far more seals than a secret store ever makes
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
      if (associatedData !== undefined) cipher.setAAD(Buffer.from(associatedData, 'utf8'));
      const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
      const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
      return PREFIX + Buffer.concat([nonce, ciphertext, cipher.getAuthTag()]).toString('base64');
    },
    open,
    openString: (envelope, associatedData) => open(envelope, associatedData).toString('utf8'),
  };
}
