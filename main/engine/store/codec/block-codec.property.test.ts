import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type BlockColumns, blockSummary, decodeBlock, encodeBlock } from './block-codec';
import { mismatch } from './codec-test-utils';

const TS_MIN = 946684800000;
const TS_MAX = 4102444800000;

/** Strictly ascending integer timestamps within [TS_MIN, TS_MAX]. */
const tsArb = (maxLength: number) =>
  fc.uniqueArray(fc.integer({ min: TS_MIN, max: TS_MAX }), { maxLength }).map((a) => a.sort((x, y) => x - y));

/** Mostly realistic timestamps: regular steps with jitter and the occasional gap. */
const regularTsArb = (maxLength: number) =>
  fc
    .record({
      start: fc.integer({ min: TS_MIN, max: TS_MIN + 1e12 }),
      step: fc.integer({ min: 1, max: 60_000 }),
      steps: fc.array(
        fc.oneof(fc.constant(0), fc.integer({ min: -5, max: 5 }), fc.integer({ min: 0, max: 1e9 })),
        {
          maxLength,
        },
      ),
    })
    .map(({ start, step, steps }) => {
      const ts: number[] = [];
      let t = start;
      let prev = -Infinity;
      for (const s of steps) {
        t += step + s;
        if (t > prev) {
          ts.push(t);
          prev = t;
        }
      }
      return ts;
    });

const anyDouble = fc.double();
const decimalDouble = fc
  .tuple(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 6 }))
  .map(([i, k]) => i / 10 ** k);
const valueArb = fc.oneof(
  { weight: 3, arbitrary: anyDouble },
  { weight: 3, arbitrary: decimalDouble },
  { weight: 1, arbitrary: fc.constant(Number.NaN) },
);
const seqArb = fc.oneof(
  fc.constant(-1),
  fc.integer({ min: 0, max: 1000 }),
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
);

function build(
  ts: number[],
  pick: (i: number) => { v: number; q: number; s: number },
  seqMode: 'none' | 'counter' | 'random',
) {
  const n = ts.length;
  const c: BlockColumns = {
    ts: Float64Array.from(ts),
    values: new Float64Array(n),
    quality: new Uint8Array(n),
    seq: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const p = pick(i);
    c.values[i] = p.v;
    c.quality[i] = p.q;
    c.seq[i] = seqMode === 'none' ? -1 : seqMode === 'counter' ? 100 + i : p.s;
  }
  return c;
}

function check(c: BlockColumns) {
  const bytes = encodeBlock(c);
  expect(mismatch(c, decodeBlock(bytes))).toBeNull();
  const s = blockSummary(bytes);
  expect(s.count).toBe(c.ts.length);
  if (c.ts.length > 0) {
    expect(s.firstTs).toBe(c.ts[0]);
    expect(s.lastTs).toBe(c.ts[c.ts.length - 1]);
  }
}

const pointArb = fc.record({ v: valueArb, q: fc.integer({ min: 0, max: 3 }), s: seqArb });

describe('block codec properties', () => {
  test('any strictly ascending ts with any doubles, qualities and seqs round-trips exactly', () => {
    fc.assert(
      fc.property(
        tsArb(300),
        fc.array(pointArb, { minLength: 300, maxLength: 300 }),
        fc.constantFrom('none', 'counter', 'random' as const),
        (ts, points, seqMode) => {
          check(build(ts, (i) => points[i]!, seqMode as 'none' | 'counter' | 'random'));
        },
      ),
      { numRuns: 400 },
    );
  });

  test('realistic series (regular ts, one kind of value per block) round-trip exactly', () => {
    const blockValues = fc.oneof(
      fc.array(decimalDouble, { minLength: 500, maxLength: 500 }),
      fc.array(anyDouble, { minLength: 500, maxLength: 500 }),
      fc
        .tuple(
          fc.integer({ min: 0, max: 6 }),
          fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 500, maxLength: 500 }),
        )
        .map(([k, steps]) => {
          let x = 2000;
          return steps.map((s) => {
            x += s;
            return x / 10 ** k;
          });
        }),
    );
    fc.assert(
      fc.property(
        regularTsArb(500),
        blockValues,
        fc.array(fc.boolean(), { minLength: 500, maxLength: 500 }),
        fc.float({ min: 0, max: 1, noNaN: true }),
        (ts, values, nullMask, nullRate) => {
          check(
            build(
              ts,
              (i) => ({ v: nullMask[i] && Math.abs(nullRate) > 0.5 ? Number.NaN : values[i]!, q: 0, s: -1 }),
              'counter',
            ),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
