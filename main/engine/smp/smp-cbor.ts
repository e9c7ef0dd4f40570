/**
 * SMP bodies as CBOR. Encoding is strict (cborg): definite-length maps with minimal
 * headers, text keys, Uint8Array as plain byte strings (major type 2, never tag 64),
 * which is what Zephyr's zcbor decoders expect (research §A.6). Decoding accepts
 * Zephyr's indefinite-length maps (`bf…ff`) but treats the bytes as hostile: size cap,
 * top level must be a map, any decoder failure becomes an SmpCborError.
 */
import { decode, encode } from 'cborg';

/** The 16-bit header length field caps any SMP body at 65535 bytes. */
export const MAX_SMP_BODY = 0xffff;

export class SmpCborError extends Error {
  override readonly name = 'SmpCborError';
}

export type SmpBody = Record<string, unknown>;

function plain(value: unknown): unknown {
  if (value instanceof Uint8Array && value.constructor !== Uint8Array)
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const out: SmpBody = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = plain(v);
    return out;
  }
  return value;
}

export function encodeBody(body: SmpBody): Uint8Array {
  const bytes = encode(plain(body));
  if (bytes.length > MAX_SMP_BODY) throw new SmpCborError(`SMP body of ${bytes.length} bytes exceeds 65535`);
  return bytes;
}

export function decodeBody(bytes: Uint8Array): SmpBody {
  if (bytes.length > MAX_SMP_BODY) throw new SmpCborError(`SMP body of ${bytes.length} bytes exceeds 65535`);
  let value: unknown;
  try {
    value = decode(bytes, { allowIndefinite: true, allowUndefined: false, rejectDuplicateMapKeys: true });
  } catch (e) {
    // cborg throws plain Errors (and a RangeError on absurd nesting): one typed error for callers
    throw new SmpCborError(`device sent invalid CBOR: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array)
    throw new SmpCborError('device sent CBOR that is not a map');
  return value as SmpBody;
}
