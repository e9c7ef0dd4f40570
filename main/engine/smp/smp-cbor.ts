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

const utf8 = new TextEncoder();

/** cborg's map key order for text keys: shorter UTF-8 first, then bytewise. */
function sortsBefore(a: Uint8Array, b: Uint8Array): boolean {
  return a.length !== b.length ? a.length < b.length : Buffer.compare(a, b) < 0;
}

/** RFC 8949 §3: the head of a byte string of n bytes (major type 2, shortest length form). */
function byteStringHead(n: number): Uint8Array {
  if (n < 24) return Uint8Array.of(0x40 | n);
  if (n < 0x100) return Uint8Array.of(0x58, n);
  if (n < 0x10000) return Uint8Array.of(0x59, n >> 8, n & 0xff);
  return Uint8Array.of(0x5a, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
}

/**
 * The bytes encodeBody({ ...rest, [key]: bytes }) gives, with `headroom` free bytes in front
 * (room for the SMP header), the byte string copied once: an upload chunk is kilobytes of
 * data behind a few bytes of map, and encoding it through the generic encoder and then into
 * a packet copied it twice. The short part still goes through the strict encoder; when
 * `key` would not be the map's last entry (or the map is too large for a one-byte head) the
 * whole body does.
 */
export function encodeBodyWithBytes(rest: SmpBody, key: string, bytes: Uint8Array, headroom = 0): Uint8Array {
  const head = encodeBody(rest);
  const keyBytes = utf8.encode(key);
  const count = (head[0] as number) - 0xa0;
  const last = Object.keys(rest).every(
    (k) => rest[k] === undefined || (k !== key && sortsBefore(utf8.encode(k), keyBytes)),
  );
  if (!last || count < 0 || count >= 23 || keyBytes.length >= 24) {
    const body = encodeBody({ ...rest, [key]: bytes });
    const out = new Uint8Array(headroom + body.length);
    out.set(body, headroom);
    return out;
  }
  const keyHead = Uint8Array.of(0x60 | keyBytes.length);
  const valueHead = byteStringHead(bytes.length);
  const length = head.length + keyHead.length + keyBytes.length + valueHead.length + bytes.length;
  if (length > MAX_SMP_BODY) throw new SmpCborError(`SMP body of ${length} bytes exceeds 65535`);
  const out = new Uint8Array(headroom + length);
  let at = headroom;
  out[at] = 0xa0 | (count + 1);
  out.set(head.subarray(1), at + 1);
  at += head.length;
  out.set(keyHead, at);
  out.set(keyBytes, at + 1);
  at += 1 + keyBytes.length;
  out.set(valueHead, at);
  out.set(bytes, at + valueHead.length);
  return out;
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
