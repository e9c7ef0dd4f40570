import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { signMcubootImage } from './imgtool-sign';
import { compareVersions, formatVersion, parseMcubootImage, TLV } from './mcuboot-image';
import { IMGTOOL_RSA_IMAGE, IMGTOOL_RSA_IMAGE_WITH_SECURITY_COUNTER } from './mcuboot-vectors';

function parsed(bytes: Uint8Array) {
  const result = parseMcubootImage(bytes);
  if (!result.ok) throw new Error(`expected a valid image, got: ${result.reason}`);
  return result.value;
}

function withBytes(bytes: Uint8Array, offset: number, patch: number[]): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy.set(patch, offset);
  return copy;
}

describe('MCUboot image parser', () => {
  test('parses real imgtool output (hash + KEYHASH + RSA2048_PSS, 64-byte padded header)', () => {
    const image = parsed(IMGTOOL_RSA_IMAGE);
    expect(image).toMatchObject({ hdrSize: 64, imgSize: 128, protectTlvSize: 0, loadAddr: 0, flags: 0 });
    expect(formatVersion(image.version)).toBe('4.4.6+0');
    // Offsets documented beside the vector: SHA256 value at 200, KEYHASH at 236, signature at 272.
    expect(image.tlvs.map((t) => [t.name, t.offset, t.value.length])).toEqual([
      ['SHA256', 200, 32],
      ['KEYHASH', 236, 32],
      ['RSA2048_PSS', 272, 256],
    ]);
    expect(image.hashedLength).toBe(192);
    expect(image.imageLength).toBe(528);
    expect(image.securityCounter).toBeUndefined();
  });

  test('parses the protected TLV area of real imgtool output (--security-counter 42)', () => {
    const image = parsed(IMGTOOL_RSA_IMAGE_WITH_SECURITY_COUNTER);
    expect(formatVersion(image.version)).toBe('6.1.2+0');
    expect(image.protectTlvSize).toBe(12);
    expect(image.securityCounter).toBe(42);
    expect(image.hashedLength).toBe(64 + 128 + 12);
    expect(image.tlvs.map((t) => [t.name, t.protected])).toEqual([
      ['SEC_CNT', true],
      ['SHA256', false],
      ['KEYHASH', false],
      ['RSA2048_PSS', false],
    ]);
  });

  test('the TypeScript signer lays out bytes exactly as imgtool did for the same input', () => {
    const real = IMGTOOL_RSA_IMAGE_WITH_SECURITY_COUNTER;
    const ours = signMcubootImage({
      payload: real.subarray(64, 192),
      headerSize: 64,
      version: { major: 6, minor: 1, revision: 2, build: 0 },
      securityCounter: 42,
    });
    // Header (with 0xff --pad-header fill), payload, protected TLVs, TLV info and SHA256 TLV;
    // imgtool's TLV info total differs only because of its RSA signature, so compare around it.
    expect(Buffer.from(ours.subarray(0, 204))).toEqual(Buffer.from(real.subarray(0, 204)));
    expect(Buffer.from(ours.subarray(208, 244))).toEqual(Buffer.from(real.subarray(208, 244)));
  });

  test('header and TLV layout match image.py struct formats, field by field (hand-written bytes)', () => {
    const bytes = signMcubootImage({
      payload: Uint8Array.from([0xde, 0xad, 0xbe, 0xef]),
      headerSize: 32,
      loadAddr: 0x20000000,
      version: { major: 1, minor: 2, revision: 0x0304, build: 0x05060708 },
      securityCounter: 7,
    });
    // image.py add_header: '<IIHHIIBBHII' = magic, load_addr, hdr_size, protect_tlv_size, img_size,
    // flags, major, minor, revision, build, pad.
    expect([...bytes.subarray(0, 32)]).toEqual([
      0x3d, 0xb8, 0xf3, 0x96, 0x00, 0x00, 0x00, 0x20, 0x20, 0x00, 0x0c, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x01, 0x02, 0x04, 0x03, 0x08, 0x07, 0x06, 0x05, 0x00, 0x00, 0x00, 0x00,
    ]);
    // TLV.get: '<HH' info (magic, total incl. info), then '<HH' (type, len) + value per TLV.
    expect([...bytes.subarray(36, 48)]).toEqual([
      0x08, 0x69, 0x0c, 0x00, 0x50, 0x00, 0x04, 0x00, 0x07, 0x00, 0x00, 0x00,
    ]);
    expect([...bytes.subarray(48, 56)]).toEqual([0x07, 0x69, 0x28, 0x00, 0x10, 0x00, 0x20, 0x00]);
    const image = parsed(bytes);
    expect(image.loadAddr).toBe(0x20000000);
    expect(image.version).toEqual({ major: 1, minor: 2, revision: 0x0304, build: 0x05060708 });
    expect(image.tlvs.find((t) => t.type === TLV.SHA256)?.offset).toBe(56);
  });

  test('keeps unknown and dependency TLVs', () => {
    const image = parsed(
      signMcubootImage({
        payload: new Uint8Array(16),
        version: { major: 1, minor: 0, revision: 0, build: 0 },
        customTlvs: [{ type: 0x00a0, value: Uint8Array.from([1, 2, 3]) }],
        dependencies: [{ imageId: 1, minVersion: { major: 2, minor: 3, revision: 4, build: 5 } }],
      }),
    );
    expect(image.tlvs.find((t) => t.type === 0xa0)).toMatchObject({ name: 'unknown', protected: true });
    expect(image.dependencies).toEqual([
      { imageId: 1, minVersion: { major: 2, minor: 3, revision: 4, build: 5 } },
    ]);
  });

  test('refuses malformed files with the exact reason', () => {
    const good = IMGTOOL_RSA_IMAGE;
    const cases: [Uint8Array, string, string][] = [
      [good.subarray(0, 20), 'truncated', 'file is 20 bytes, shorter than the 32-byte MCUboot header'],
      [withBytes(good, 0, [0x78, 0x56, 0x34, 0x12]), 'bad-magic', 'bad header magic 0x12345678'],
      [
        withBytes(good, 0, [0x3c, 0xb8, 0xf3, 0x96]),
        'unsupported',
        'legacy MCUboot v1 header magic 0x96f3b83c is not supported',
      ],
      [withBytes(good, 8, [0x10, 0x00]), 'bad-header', 'header size 16 is smaller than the 32-byte header'],
      [
        withBytes(good, 12, [0x00, 0x10, 0x00, 0x00]),
        'truncated',
        'header and payload (64 + 4096 bytes) run past the end of the file (528 bytes)',
      ],
      [
        good.subarray(0, 194),
        'truncated',
        'TLV area runs past the end of the file (no TLV info header at offset 192)',
      ],
      [good.subarray(0, 400), 'truncated', 'TLV area runs past the end of the file (528 > 400 bytes)'],
      [
        withBytes(good, 192, [0x07, 0x70]),
        'bad-tlv',
        'bad TLV area magic 0x7007 at offset 192 (expected 0x6907)',
      ],
      [
        withBytes(good, 10, [0x0c, 0x00]),
        'bad-tlv',
        'header announces 12 bytes of protected TLVs but found magic 0x6907 instead of 0x6908',
      ],
      [
        withBytes(good, 198, [0x00, 0x02]),
        'bad-tlv',
        'TLV SHA256 (0x10) at offset 196 is 512 bytes and runs past the end of the TLV area',
      ],
      [withBytes(good, 198, [0x10, 0x00]), 'bad-tlv', 'TLV SHA256 is 16 bytes, expected 32'],
      [
        withBytes(good, 194, [0x02, 0x00]),
        'bad-tlv',
        'TLV area length 2 is smaller than its 4-byte info header',
      ],
    ];
    for (const [bytes, code, reason] of cases) {
      expect(parseMcubootImage(bytes)).toEqual({ ok: false, code, reason });
    }
  });

  test('a security counter outside the protected area is refused (not covered by the signature)', () => {
    const bytes = signMcubootImage({
      payload: new Uint8Array(8),
      version: { major: 1, minor: 0, revision: 0, build: 0 },
    });
    // Header + payload, then a hand-written unprotected TLV area holding SEC_CNT = 1.
    const tail = Uint8Array.from([0x07, 0x69, 0x0c, 0x00, 0x50, 0x00, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00]);
    const handmade = Buffer.concat([bytes.subarray(0, 0x200 + 8), tail]);
    expect(parseMcubootImage(handmade)).toEqual({
      ok: false,
      code: 'bad-tlv',
      reason: 'SEC_CNT TLV is outside the protected TLV area',
    });
  });

  test('versions compare major, minor, revision, then build', () => {
    const v = (major: number, minor: number, revision: number, build: number) => ({
      major,
      minor,
      revision,
      build,
    });
    expect(compareVersions(v(1, 2, 3, 0), v(1, 2, 3, 0))).toBe(0);
    expect(compareVersions(v(1, 10, 0, 0), v(1, 9, 99, 99))).toBeGreaterThan(0);
    expect(compareVersions(v(1, 2, 3, 1), v(1, 2, 3, 0))).toBeGreaterThan(0);
    expect(compareVersions(v(0, 255, 65535, 1), v(1, 0, 0, 0))).toBeLessThan(0);
  });

  test('fuzz: random bytes, bit flips and truncations give a result or a refusal, never a throw', () => {
    const good = IMGTOOL_RSA_IMAGE_WITH_SECURITY_COUNTER;
    const check = (bytes: Uint8Array) => {
      const result = parseMcubootImage(bytes);
      if (!result.ok) expect(result.reason.length).toBeGreaterThan(0);
      else expect(result.value.imageLength).toBeLessThanOrEqual(bytes.length);
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), check), { numRuns: 500 });
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.integer({ min: 0, max: 7 }), (at, bit) => {
        const copy = Uint8Array.from(good);
        copy[at] = (copy[at] ?? 0) ^ (1 << bit);
        check(copy);
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.nat(good.length), (n) => check(good.subarray(0, n))),
      { numRuns: 300 },
    );
    // Random bytes behind a valid magic reach the TLV walk instead of stopping at the magic.
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 28, maxLength: 400 }), (tail) =>
        check(Buffer.concat([Uint8Array.from([0x3d, 0xb8, 0xf3, 0x96]), tail])),
      ),
      { numRuns: 500 },
    );
  });
});
