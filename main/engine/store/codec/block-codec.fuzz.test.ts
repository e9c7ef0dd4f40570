import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  type BlockColumns,
  BlockFormatError,
  blockSummary,
  decodeBlock,
  encodeBlock,
  MAX_BLOCK_POINTS,
} from './block-codec';
import { columns, jitteredTs, randomDoubles, rng, sensorValues } from './codec-test-utils';

/** Decodes and classifies: a result (bounded in size) or BlockFormatError; anything else fails. */
function tryDecode(bytes: Uint8Array): 'ok' | 'error' {
  let summaryCount = -1;
  try {
    summaryCount = blockSummary(bytes).count;
  } catch (e) {
    if (!(e instanceof BlockFormatError)) throw e;
  }
  try {
    const c = decodeBlock(bytes);
    // Bounded output: the header's count is capped and bounded by the input size.
    expect(c.ts.length).toBeLessThanOrEqual(MAX_BLOCK_POINTS);
    expect(c.ts.length).toBeLessThanOrEqual(64 * bytes.length + 1);
    expect(c.ts.length).toBe(summaryCount);
    for (let i = 1; i < c.ts.length; i++) {
      if (!(c.ts[i]! > c.ts[i - 1]!)) throw new Error('decoded ts not strictly ascending');
    }
    return 'ok';
  } catch (e) {
    if (e instanceof BlockFormatError) return 'error';
    throw e;
  }
}

function varint(v: number): number[] {
  const out: number[] = [];
  let x = v;
  while (x >= 0x80) {
    out.push((x % 0x80) | 0x80);
    x = Math.floor(x / 0x80);
  }
  out.push(x);
  return out;
}

function sampleBlocks(): Uint8Array[] {
  const blocks: BlockColumns[] = [];
  const r = rng(11);
  const sensor = columns(300);
  sensor.ts.set(jitteredTs(300, 3, r));
  sensor.values.set(sensorValues(300, r));
  blocks.push(sensor);

  const mixed = columns(300);
  mixed.ts.set(jitteredTs(300, 400, r));
  mixed.values.set(randomDoubles(300, r));
  for (let i = 0; i < 300; i++) {
    if (i % 7 === 0) mixed.values[i] = Number.NaN;
    mixed.quality[i] = i % 11 === 0 ? 2 : 0;
    mixed.seq[i] = i % 13 === 0 ? -1 : i + (i > 150 ? 1000 : 0);
  }
  blocks.push(mixed);

  const sparse = columns(200);
  for (let i = 0; i < 200; i++) {
    sparse.ts[i] = 1_600_000_000_000 + i * 100;
    sparse.values[i] = i % 3 === 0 ? i / 8 : i === 5 ? -0 : Number.NaN;
    sparse.seq[i] = i;
  }
  blocks.push(sparse);

  const scaledWithExceptions = columns(100);
  for (let i = 0; i < 100; i++) {
    scaledWithExceptions.ts[i] = 1_600_000_000_000 + i * 1000;
    scaledWithExceptions.values[i] = i % 10 === 0 ? Math.PI * i : i / 100;
  }
  blocks.push(scaledWithExceptions);

  // Irregular ts (patched and varint chunks) with wide-ranging decimal values.
  const irregular = columns(300);
  let t = 1_500_000_000_000;
  for (let i = 0; i < 300; i++) {
    t += i % 50 === 0 ? Math.floor(r() * 2 ** 36) + 1 : i % 7 === 0 ? Math.floor(r() * 5000) + 1 : 1000;
    irregular.ts[i] = t;
    irregular.values[i] = i % 60 === 0 ? Math.round(r() * 1e12) / 1e6 : Math.round(r() * 100) / 100;
    irregular.quality[i] = i > 250 ? 1 : 0;
  }
  blocks.push(irregular);

  blocks.push(columns(0));
  const single = columns(1);
  single.ts[0] = 1_600_000_000_000;
  single.values[0] = 1.5;
  blocks.push(single);
  return blocks.map((b) => encodeBlock(b));
}

describe('block codec fuzz', () => {
  const blocks = sampleBlocks();

  test('every truncation of valid blocks is rejected', () => {
    for (const b of blocks) {
      expect(tryDecode(b)).toBe('ok');
      for (let len = 0; len < b.length; len++) {
        expect(tryDecode(b.subarray(0, len))).toBe('error');
      }
    }
  });

  test('every single-byte mutation of valid blocks decodes or throws BlockFormatError', () => {
    const values = [0x00, 0x01, 0x02, 0x03, 0x7f, 0x80, 0x81, 0xfe, 0xff];
    let outcomes = 0;
    for (const b of blocks) {
      const m = Uint8Array.from(b);
      for (let i = 0; i < m.length; i++) {
        const orig = m[i]!;
        for (const v of values) {
          m[i] = v;
          tryDecode(m);
          m[i] = orig ^ (1 << (v & 7));
          tryDecode(m);
          outcomes += 2;
        }
        m[i] = orig;
      }
    }
    expect(outcomes).toBeGreaterThan(1000);
  });

  test('random bytes decode or throw BlockFormatError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        tryDecode(bytes);
      }),
      { numRuns: 3000 },
    );
    // Random bodies behind a plausible header, so the column decoders get exercised.
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0x3f }),
        fc.integer({ min: 1, max: 3000 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.uint8Array({ minLength: 0, maxLength: 400 }),
        (flags, count, span, body) => {
          const header = [
            1,
            flags,
            ...varint(count),
            ...varint(2 * 1_600_000_000_000),
            ...varint(count > 1 ? span : 0),
          ];
          tryDecode(Uint8Array.from([...header, ...body]));
        },
      ),
      { numRuns: 5000 },
    );
  });

  test('random multi-byte mutations of valid blocks', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: blocks.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        (which, edits) => {
          const m = Uint8Array.from(blocks[which]!);
          if (m.length === 0) return;
          for (const [at, v] of edits) m[at % m.length] = v;
          tryDecode(m);
        },
      ),
      { numRuns: 5000 },
    );
  });

  test('a tiny block cannot declare a huge allocation', () => {
    // count = 2^20 - 1 behind a 12-byte input: rejected before any allocation.
    const bytes = Uint8Array.from([1, 0, 0xff, 0xff, 0x3f, 0, 0x80, 0x80, 0x01, 0x7f, 0x7f, 0x7f]);
    expect(() => decodeBlock(bytes)).toThrow(BlockFormatError);
  });
});
