/**
 * Why a firmware image was refused. Parsers and verifiers return these instead of
 * throwing so that any bytes a user drops in yield a plain-words reason the UI and
 * the audit log can show as-is.
 */
export type ImageRefusalCode =
  | 'truncated'
  | 'bad-magic'
  | 'bad-header'
  | 'bad-tlv'
  | 'no-hash'
  | 'hash-mismatch'
  | 'bad-checksum'
  | 'unsigned'
  | 'unknown-key'
  | 'bad-signature'
  | 'downgrade'
  | 'security-counter'
  | 'too-big'
  | 'wrong-target'
  | 'unsupported'
  | 'not-found'
  | 'invalid-id';

export interface ImageRefusal {
  ok: false;
  code: ImageRefusalCode;
  reason: string;
}

export type ImageResult<T> = { ok: true; value: T } | ImageRefusal;

export function refuse(code: ImageRefusalCode, reason: string): ImageRefusal {
  return { ok: false, code, reason };
}

export function hex(n: number, digits = 8): string {
  return `0x${n.toString(16).padStart(digits, '0')}`;
}
