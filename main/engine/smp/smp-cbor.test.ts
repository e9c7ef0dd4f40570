import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBody, encodeBody, SmpCborError } from './smp-cbor';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s/g, ''), 'hex'));

describe('SMP CBOR bodies', () => {
  it('encodes the echo body of the serial transport vector exactly', () => {
    // smp_group_0.rst echo request {"d": "hello"}; bytes from the verified v2 echo vector (research §A.4)
    expect(encodeBody({ d: 'hello' })).toEqual(hex('a1 61 64 65 68656c6c6f'));
  });

  it('encodes byte strings as plain major type 2, never tag 64, with a definite-length map', () => {
    // RFC 8949 §3.1: major type 2 = byte string; tag 64 (d8 40) is what cbor-x emits by default
    // and Zephyr's zcbor rejects (research §A.6). {"sha": h'0102'} with Buffer input too.
    expect(encodeBody({ sha: Buffer.from([1, 2]) })).toEqual(hex('a1 63 736861 42 0102'));
    // {"off": 0, "data": h'ff'}: minimal definite map header a2, keys sorted length-first
    expect(encodeBody({ data: Uint8Array.of(0xff), off: 0 })).toEqual(
      hex('a2 63 6f6666 00 64 64617461 41 ff'),
    );
  });

  it('drops undefined optional fields instead of encoding them', () => {
    expect(encodeBody({ off: 1, upgrade: undefined })).toEqual(hex('a1 63 6f6666 01'));
  });

  it("decodes Zephyr's indefinite-length maps", () => {
    // zcbor without ZCBOR_CANONICAL answers bf…ff (research §A.6): {"off": 512} as an indefinite map
    expect(decodeBody(hex('bf 63 6f6666 19 0200 ff'))).toEqual({ off: 512 });
  });

  it('refuses non-maps, truncated input, oversize bodies and duplicate keys with SmpCborError', () => {
    expect(() => decodeBody(hex('83 01 02 03'))).toThrow(SmpCborError);
    expect(() => decodeBody(hex('a1 63 6f66'))).toThrow(SmpCborError);
    expect(() => decodeBody(new Uint8Array(70_000))).toThrow(/65535/);
    expect(() => decodeBody(hex('a2 61 61 01 61 61 02'))).toThrow(SmpCborError);
    // 10,000 nested arrays: must not escape as a RangeError
    expect(() => decodeBody(new Uint8Array(10_000).fill(0x81))).toThrow(SmpCborError);
  });

  it('returns a map or throws SmpCborError for any bytes (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          const v = decodeBody(bytes);
          expect(typeof v).toBe('object');
        } catch (e) {
          expect(e).toBeInstanceOf(SmpCborError);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
