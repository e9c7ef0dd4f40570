import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseEspAppImage, parseEspImageHeader } from './esp-app-image';
import { ESP32_APP } from './esp-app-vectors';

/**
 * First 32 bytes of a real ESP32-S3 application (PlatformIO firmware.bin), as printed in
 * lemio/ESP32-S3-Flasher CHECKSUM_ALGORITHM.md §2.4: 6 segments, DIO, entry 0x40377a88,
 * chip_id 9, hash appended, first segment DROM 0x3c100020 of 0x152f64 bytes.
 */
const ESP32S3_FIRMWARE_HEAD = Uint8Array.from([
  0xe9, 0x06, 0x02, 0x4f, 0x88, 0x7a, 0x37, 0x40, 0xee, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0xff,
  0xff, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x00, 0x10, 0x3c, 0x64, 0x2f, 0x15, 0x00,
]);

function patched(bytes: Uint8Array, offset: number, values: number[]): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy.set(values, offset);
  return copy;
}

describe('ESP-IDF app image', () => {
  test('reads the header of a real ESP32-S3 application', () => {
    expect(parseEspImageHeader(ESP32S3_FIRMWARE_HEAD)).toEqual({
      ok: true,
      value: {
        segmentCount: 6,
        spiMode: 2,
        spiSpeed: 0xf,
        spiSize: 4,
        entryAddr: 0x40377a88,
        wpPin: 0xee,
        chipId: 9,
        minChipRev: 0,
        minChipRevFull: 0,
        maxChipRevFull: 0xffff,
        hashAppended: true,
      },
    });
    // Only the first 32 bytes are known: the full parse must say the segment is cut off.
    expect(parseEspAppImage(ESP32S3_FIRMWARE_HEAD)).toEqual({
      ok: false,
      code: 'truncated',
      reason: 'segment 0 (1388388 bytes at offset 32) runs past the end of the file',
    });
  });

  test('parses segments, checksum, appended SHA-256 and esp_app_desc_t', () => {
    const result = parseEspAppImage(ESP32_APP, {
      chipId: 0,
      chipRevision: 301,
      secureVersion: 2,
      maxSize: 4096,
    });
    if (!result.ok) throw new Error(result.reason);
    expect(result.value).toMatchObject({
      header: { segmentCount: 2, chipId: 0, entryAddr: 0x40080000, maxChipRevFull: 399, hashAppended: true },
      segments: [
        { loadAddr: 0x3f400020, offset: 32, length: 256 },
        { loadAddr: 0x40080000, offset: 296, length: 8 },
      ],
      checksum: 0x54,
      appendedSha256: '4dc05c06f72e4ae44fce66b2b801eb8b0644b081a265163377c74dbf52ba5971',
      imageLength: 352,
      appDesc: {
        secureVersion: 2,
        version: '1.4.2',
        projectName: 'fieldline-probe',
        time: '12:00:00',
        date: 'Dec  3 2026',
        idfVersion: 'v5.3.1',
        appElfSha256: '202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f',
      },
    });
  });

  test('a trailing secure-boot signature block is outside the checked image', () => {
    const signed = Buffer.concat([ESP32_APP, new Uint8Array(64).fill(0xe7)]);
    expect(parseEspAppImage(signed)).toMatchObject({ ok: true, value: { imageLength: 352 } });
  });

  test('refuses bad images with the exact reason', () => {
    // Two flips of the same bit in segment data cancel in the XOR checksum; only the SHA-256 sees them.
    const checksumBlind = patched(ESP32_APP, 296, [0x36 ^ 0x01, 0x41 ^ 0x01]);
    const cases: [Uint8Array, Parameters<typeof parseEspAppImage>[1], string, string | RegExp][] = [
      [
        ESP32_APP.subarray(0, 10),
        {},
        'truncated',
        'file is 10 bytes, shorter than the 24-byte ESP image header',
      ],
      [patched(ESP32_APP, 0, [0xea]), {}, 'bad-magic', 'bad image magic 0xea (expected 0xe9)'],
      [patched(ESP32_APP, 1, [0]), {}, 'bad-header', 'segment count 0 is outside 1..16'],
      [patched(ESP32_APP, 1, [17]), {}, 'bad-header', 'segment count 17 is outside 1..16'],
      [patched(ESP32_APP, 28, [0x02, 0x01]), {}, 'bad-header', 'segment 0 length 258 is not a multiple of 4'],
      // A third segment header reads the zero padding (an empty segment); a fourth reads the checksum byte.
      [patched(ESP32_APP, 1, [3]), {}, 'hash-mismatch', /^appended SHA-256 /],
      [
        patched(ESP32_APP, 1, [4]),
        {},
        'truncated',
        'segment 3 (1409286144 bytes at offset 320) runs past the end of the file',
      ],
      // Byte 300 is code byte 0xf0: zeroing it moves the checksum to 0x54 ^ 0xf0 = 0xa4.
      [
        patched(ESP32_APP, 300, [0x00]),
        {},
        'bad-checksum',
        "checksum 0x54 does not match the segments' 0xa4",
      ],
      [
        patched(ESP32_APP, 319, [0x55]),
        {},
        'bad-checksum',
        "checksum 0x55 does not match the segments' 0x54",
      ],
      [
        checksumBlind,
        {},
        'hash-mismatch',
        /^appended SHA-256 4dc05c06\w+ does not match the image's [0-9a-f]{64}$/,
      ],
      [ESP32_APP.subarray(0, 340), {}, 'truncated', 'image ends before its appended SHA-256'],
      [ESP32_APP.subarray(0, 310), {}, 'truncated', 'image ends before its checksum byte'],
      [ESP32_APP, { maxSize: 256 }, 'too-big', 'image size 352 exceeds partition size 256'],
      [
        ESP32_APP,
        { chipId: 9 },
        'wrong-target',
        'image is built for ESP32 (chip id 0), the device is ESP32-S3 (chip id 9)',
      ],
      [
        ESP32_APP,
        { chipRevision: 400 },
        'wrong-target',
        'image supports chip revisions v0.0 to v3.99, the device is v4.0',
      ],
      [
        ESP32_APP,
        { secureVersion: 3 },
        'security-counter',
        "secure version 2 is lower than the device's eFuse secure version 3",
      ],
    ];
    for (const [bytes, checks, code, reason] of cases) {
      const result = parseEspAppImage(bytes, checks);
      expect(result, String(reason)).toMatchObject({ ok: false, code });
      if (!result.ok) expect(result.reason).toMatch(reason);
    }
  });

  test('a wrong esp_app_desc_t magic is refused (checksum and hash fixed up by hand)', () => {
    // Hash off: a header flag change is enough to test the descriptor without re-hashing.
    const noHash = patched(ESP32_APP, 23, [0]);
    expect(parseEspAppImage(noHash)).toEqual({
      ok: false,
      code: 'no-hash',
      reason: 'image has no appended SHA-256 (hash_appended is 0)',
    });
    // Magic byte 0x32 -> 0x33 flips bit 0 of one data byte: checksum 0x54 -> 0x55.
    const bad = patched(noHash, 32, [0x33]);
    bad[319] = 0x55;
    expect(parseEspAppImage(bad, { requireAppendedHash: false })).toEqual({
      ok: false,
      code: 'bad-magic',
      reason: 'bad esp_app_desc_t magic 0xabcd5433 at offset 32 (expected 0xabcd5432)',
    });
  });

  test('fuzz: random bytes, bit flips and truncations give a result or a refusal, never a throw', () => {
    const check = (bytes: Uint8Array) => {
      const result = parseEspAppImage(bytes);
      if (!result.ok) expect(result.reason.length).toBeGreaterThan(0);
      else expect(result.value.imageLength).toBeLessThanOrEqual(bytes.length);
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), check), { numRuns: 500 });
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 23, maxLength: 600 }), (tail) =>
        check(Buffer.concat([Uint8Array.of(0xe9), tail])),
      ),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.nat(ESP32_APP.length), (n) => check(ESP32_APP.subarray(0, n))),
      { numRuns: 300 },
    );
    // Every single-bit flip inside the hashed bytes is caught (checksum or SHA-256) or breaks parsing.
    for (let at = 0; at < 352; at++) {
      for (let bit = 0; bit < 8; bit++) {
        const copy = Uint8Array.from(ESP32_APP);
        copy[at] = (copy[at] ?? 0) ^ (1 << bit);
        const result = parseEspAppImage(copy);
        // Header bytes outside checksum coverage (spi settings, entry, chip fields) are still hashed.
        if (result.ok) throw new Error(`flip of bit ${bit} at byte ${at} was accepted`);
      }
    }
  });
});
