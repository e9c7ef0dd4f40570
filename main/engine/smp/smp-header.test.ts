import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeHeader, encodeHeader, errorOf, SmpDeviceError, SmpHeaderError } from './smp-header';

describe('SMP header', () => {
  it('encodes the v2 echo request header of the serial transport vector', () => {
    // smp_protocol.rst header layout; the bytes are the header of the verified v2 echo "hello"
    // vector (research §A.4): Ver=1 (bits 4-3), OP=2 write, flags 0, length 9, group 0 (OS), seq 0, id 0 (echo)
    const expected = Uint8Array.of(0x0a, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00);
    expect(encodeHeader({ op: 2, version: 1, flags: 0, length: 9, group: 0, seq: 0, id: 0 })).toEqual(
      expected,
    );
    expect(decodeHeader(expected)).toEqual({
      op: 2,
      version: 1,
      flags: 0,
      length: 9,
      group: 0,
      seq: 0,
      id: 0,
    });
  });

  it('reads big-endian length and group and the v1 (legacy) version bits', () => {
    // smp_protocol.rst: Data Length and Group ID are big-endian 16-bit; a v1 read-response of
    // image state (op 1, group 1, id 0), length 0x0123, seq 0xfe
    expect(decodeHeader(Uint8Array.of(0x01, 0x00, 0x01, 0x23, 0x00, 0x01, 0xfe, 0x00))).toEqual({
      op: 1,
      version: 0,
      flags: 0,
      length: 0x0123,
      group: 1,
      seq: 0xfe,
      id: 0,
    });
  });

  it('refuses short packets, reserved bits, unknown versions and ops with a typed error', () => {
    expect(() => decodeHeader(Uint8Array.of(0x0a, 0, 0))).toThrow(SmpHeaderError);
    expect(() => decodeHeader(Uint8Array.of(0x80, 0, 0, 0, 0, 0, 0, 0))).toThrow(/reserved/);
    expect(() => decodeHeader(Uint8Array.of(0x10, 0, 0, 0, 0, 0, 0, 0))).toThrow(/version 2/);
    expect(() => decodeHeader(Uint8Array.of(0x04, 0, 0, 0, 0, 0, 0, 0))).toThrow(/op 4/);
  });

  it('never throws anything but SmpHeaderError on any bytes (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), (bytes) => {
        try {
          const h = decodeHeader(bytes);
          expect(encodeHeader(h)).toEqual(bytes.subarray(0, 8));
        } catch (e) {
          expect(e).toBeInstanceOf(SmpHeaderError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('SMP error forms', () => {
  it('maps a v1 rc to its MGMT_ERR name (mgmt_defines.h) with the reason', () => {
    const e = errorOf({ rc: 8, rsn: 'not here' });
    expect(e).toBeInstanceOf(SmpDeviceError);
    expect(e?.code).toBe('MGMT_ERR_ENOTSUP');
    expect(e?.group).toBeUndefined();
    expect(e?.message).toContain('not here');
    expect(errorOf({ rc: 6 })?.code).toBe('MGMT_ERR_EBADSTATE');
    expect(errorOf({ rc: 300 })?.code).toBe('MGMT_ERR_PERUSER_300');
  });

  it('maps a v2 err {group, rc} of the image group to its IMG_MGMT_ERR name (img_mgmt.h)', () => {
    const e = errorOf({ err: { group: 1, rc: 8 } });
    expect(e?.code).toBe('IMG_MGMT_ERR_HASH_NOT_FOUND');
    expect(e?.group).toBe(1);
    expect(errorOf({ err: { group: 1, rc: 23 } })?.code).toBe('IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC');
    expect(errorOf({ err: { group: 9, rc: 2 } })?.code).toBe('GROUP_9_ERR_2');
  });

  it('treats an empty map, rc 0 and err.rc 0 as success', () => {
    expect(errorOf({})).toBeUndefined();
    expect(errorOf({ rc: 0 })).toBeUndefined();
    expect(errorOf({ err: { group: 1, rc: 0 } })).toBeUndefined();
    expect(errorOf({ off: 12 })).toBeUndefined();
  });
});
