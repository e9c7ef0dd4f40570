import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBody, encodeBody, encodeBodyWithBytes, SmpCborError } from './smp-cbor';

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
  it('an upload chunk with its data copied once is the same bytes as the strict encoder gives', () => {
    // {"off": 0, "data": h'ff'} (smp_group_1.rst image upload, later chunk), as the vector above,
    // behind 8 bytes left free for the SMP header
    expect(encodeBodyWithBytes({ off: 0 }, 'data', Uint8Array.of(0xff), 8).subarray(8)).toEqual(
      hex('a2 63 6f6666 00 64 64617461 41 ff'),
    );
    // RFC 8949 §3.1 length forms: 23 bytes in the head, then 1-, 2-byte lengths (59 0100 = 256 bytes)
    const big = new Uint8Array(256).fill(7);
    expect(encodeBodyWithBytes({ off: 512 }, 'data', big).subarray(0, 16)).toEqual(
      hex('a2 63 6f6666 19 0200 64 64617461 59 0100'),
    );
    expect(() => encodeBodyWithBytes({ off: 0 }, 'data', new Uint8Array(70_000))).toThrow(SmpCborError);
  });

  it('whatever the other fields, bytes copied once equal the strict encoding of the whole body (fuzz)', () => {
    const key = fc.constantFrom(
      'off',
      'len',
      'sha',
      'image',
      'upgrade',
      'data',
      'd',
      'zz',
      'dat',
      'datb',
      'dataa',
    );
    const value = fc.oneof(
      fc.nat(),
      fc.boolean(),
      fc.string(),
      fc.uint8Array({ maxLength: 40 }),
      fc.constant(undefined),
    );
    fc.assert(
      fc.property(
        fc.dictionary(key, value),
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          // every length form up to past the 16-bit body limit, without generating 70 kB at random
          fc
            .tuple(fc.integer({ min: 0, max: 70_000 }), fc.nat(255))
            .map(([n, b]) => new Uint8Array(n).map((_, i) => (i * 31 + b) & 0xff)),
        ),
        fc.nat(16),
        (rest, data, headroom) => {
          let expected: Uint8Array | Error;
          try {
            expected = encodeBody({ ...rest, data });
          } catch (e) {
            expected = e as Error;
          }
          if (expected instanceof Error) {
            expect(() => encodeBodyWithBytes(rest, 'data', data, headroom)).toThrow(SmpCborError);
            return;
          }
          const got = encodeBodyWithBytes(rest, 'data', data, headroom);
          expect(got.length).toBe(headroom + expected.length);
          expect(Buffer.compare(got.subarray(headroom), expected)).toBe(0);
        },
      ),
      { numRuns: 500 },
    );
  });
});
