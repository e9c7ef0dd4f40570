import { describe, expect, test } from 'vitest';
import {
  BLOCK_FORMAT_VERSION,
  type BlockColumns,
  BlockFormatError,
  blockSummary,
  decodeBlock,
  encodeBlock,
  MAX_ABS_TS,
  MAX_BLOCK_POINTS,
} from './block-codec';
import {
  columns,
  fromArrays,
  jitteredTs,
  mismatch,
  randomDoubles,
  rng,
  sensorValues,
} from './codec-test-utils';

const T0 = 1_700_000_000_000;

function roundTrip(c: BlockColumns, count?: number): Uint8Array {
  const bytes = encodeBlock(c, count);
  const back = decodeBlock(bytes);
  expect(mismatch(c, back, count ?? c.ts.length)).toBeNull();
  const s = blockSummary(bytes);
  const n = count ?? c.ts.length;
  expect(s.count).toBe(n);
  if (n > 0) {
    expect(s.firstTs).toBe(c.ts[0]);
    expect(s.lastTs).toBe(c.ts[n - 1]);
  }
  return bytes;
}

function regular(n: number, stepMs: number, values: (i: number) => number): BlockColumns {
  const c = columns(n);
  for (let i = 0; i < n; i++) {
    c.ts[i] = T0 + i * stepMs;
    c.values[i] = values(i);
  }
  return c;
}

describe('block codec round trips', () => {
  test('empty block', () => {
    const bytes = roundTrip(columns(0));
    expect(bytes.length).toBe(3);
    expect(bytes[0]).toBe(BLOCK_FORMAT_VERSION);
    const s = blockSummary(bytes);
    expect(s.count).toBe(0);
    expect(s.firstTs).toBeNaN();
    expect(s.lastTs).toBeNaN();
  });

  test('single point', () => {
    roundTrip(fromArrays([T0], [21.5], [0], [7]));
    roundTrip(fromArrays([T0], [Number.NaN], [1], [-1]));
    roundTrip(fromArrays([0], [-0], [3], [0]));
  });

  test('regular 1 Hz with jitter', () => {
    const r = rng(1);
    const c = columns(3600);
    c.ts.set(jitteredTs(3600, 3, r));
    c.values.set(sensorValues(3600, r));
    roundTrip(c);
  });

  test('perfectly regular 1 Hz and 10 Hz compress the ts column to almost nothing', () => {
    const a = roundTrip(regular(4096, 1000, () => 5));
    const b = roundTrip(regular(4096, 100, (i) => i % 7));
    expect(a.length).toBeLessThan(4096 / 32 + 4096 + 40);
    expect(b.length).toBeLessThan(4096 / 32 + 4096 + 40);
  });

  test('10 Hz with jitter', () => {
    const r = rng(2);
    const c = columns(2000);
    for (let i = 0; i < 2000; i++) {
      c.ts[i] = T0 + i * 100 + Math.floor(r() * 5);
      c.values[i] = Math.round(r() * 1000) / 10;
    }
    roundTrip(c);
  });

  test('irregular gaps and huge ts gaps', () => {
    const r = rng(3);
    const c = columns(500);
    let t = 946684800000;
    for (let i = 0; i < 500; i++) {
      const kind = r();
      t += kind < 0.5 ? 1 : kind < 0.8 ? Math.floor(r() * 100_000) + 1 : Math.floor(r() * 2 ** 40) + 1;
      c.ts[i] = t;
      c.values[i] = i;
    }
    roundTrip(c);
    // The extremes of the supported ts range, adjacent to each other.
    roundTrip(fromArrays([-MAX_ABS_TS, -MAX_ABS_TS + 1, 0, MAX_ABS_TS - 1, MAX_ABS_TS], [1, 2, 3, 4, 5]));
    roundTrip(fromArrays([-MAX_ABS_TS, MAX_ABS_TS], [1, 2]));
  });

  test('values with 0..6 decimals', () => {
    const r = rng(4);
    for (let k = 0; k <= 6; k++) {
      const p = 10 ** k;
      const c = regular(1000, 1000, () => Math.round((r() - 0.5) * 2000 * p) / p);
      roundTrip(c);
    }
    // Typical sensor resolutions: steps of 0.5, 0.0625 (DS18B20), 0.1.
    roundTrip(regular(1000, 1000, (i) => 20 + Math.round(Math.sin(i / 50) * 8) / 2));
    roundTrip(regular(1000, 1000, (i) => Math.round(Math.sin(i / 50) * 400) * 0.0625));
    roundTrip(regular(1000, 1000, (i) => Math.round(i * 0.7) * 0.1));
  });

  test('monotone counters (delta-of-delta values)', () => {
    const bytes = roundTrip(regular(1000, 1000, (i) => (123456789 + i * 1234) / 1000));
    expect(bytes.length / 1000).toBeLessThan(1.5);
  });

  test('full-precision random doubles', () => {
    roundTrip(regular(1000, 1000, (i) => Math.sin(i) * 1e3));
    const c = columns(1000);
    c.ts.set(jitteredTs(1000, 3, rng(5)));
    c.values.set(randomDoubles(1000, rng(6)));
    roundTrip(c);
  });

  test('special doubles', () => {
    const specials = [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      -0,
      0,
      5e-324,
      -5e-324,
      2.2250738585072014e-308,
      2.225073858507201e-308,
      Number.MAX_VALUE,
      -Number.MAX_VALUE,
      Number.MIN_VALUE,
      Number.EPSILON,
      Number.MAX_SAFE_INTEGER,
      -Number.MAX_SAFE_INTEGER,
      2 ** 53,
      2 ** 49,
      2 ** 49 + 1,
      -(2 ** 49),
      0.1,
      1e-7,
      123.4567891,
    ];
    // Alone, in a block of decimals (as scaled-mode exceptions), and in float mode.
    roundTrip(regular(specials.length, 1000, (i) => specials[i]!));
    for (const s of specials) {
      roundTrip(regular(100, 1000, (i) => (i === 50 ? s : Math.round(i * 37.3) / 100)));
      roundTrip(regular(100, 1000, (i) => (i % 3 === 0 ? s : Math.sin(i))));
    }
    // Negative zero readings inside otherwise decimal data stay in the cheap mode.
    const bytes = roundTrip(
      regular(1000, 1000, (i) => (i % 100 === 0 ? -0 : Math.round(Math.sin(i) * 100) / 10)),
    );
    expect(bytes.length / 1000).toBeLessThan(2.5);
  });

  test('NaN payloads decode as null', () => {
    const c = regular(3, 1000, () => 1);
    const f = new Float64Array(1);
    const u = new Uint32Array(f.buffer);
    u[0] = 1;
    u[1] = 0x7ff80001;
    c.values[1] = f[0]!;
    const back = decodeBlock(encodeBlock(c));
    expect(back.values[1]).toBeNaN();
  });

  test('nulls: all null, sparse, dense, alternating', () => {
    roundTrip(regular(1000, 1000, () => Number.NaN));
    roundTrip(regular(1000, 1000, (i) => (i % 97 === 0 ? Number.NaN : i / 4)));
    roundTrip(regular(1000, 1000, (i) => (i % 97 === 0 ? i / 4 : Number.NaN)));
    roundTrip(regular(1000, 1000, (i) => (i % 2 === 0 ? Number.NaN : i / 4)));
    roundTrip(regular(1000, 1000, (i) => (i % 2 === 1 ? Number.NaN : Math.sin(i))));
    roundTrip(regular(1000, 1000, (i) => (i < 500 ? Number.NaN : i)));
    roundTrip(regular(1000, 1000, (i) => (i >= 500 ? Number.NaN : i)));
    const r = rng(7);
    roundTrip(regular(999, 1000, () => (r() < 0.5 ? Number.NaN : r())));
    const allNull = encodeBlock(regular(3600, 1000, () => Number.NaN));
    expect(allNull.length).toBeLessThan(80);
  });

  test('seq absent, consecutive, with gaps, partly absent, huge', () => {
    const base = regular(1000, 1000, (i) => i);
    const absent = roundTrip(base);
    const consecutive = { ...base, seq: Float64Array.from({ length: 1000 }, (_, i) => 5000 + i) };
    const withSeq = roundTrip(consecutive);
    expect(withSeq.length - absent.length).toBeLessThan(8);
    roundTrip({ ...base, seq: Float64Array.from({ length: 1000 }, (_, i) => i * 2 + (i > 500 ? 7 : 0)) });
    roundTrip({ ...base, seq: Float64Array.from({ length: 1000 }, (_, i) => (i % 10 < 3 ? -1 : i)) });
    roundTrip({ ...base, seq: Float64Array.from({ length: 1000 }, (_, i) => (i < 500 ? i : i - 500)) });
    const big = Number.MAX_SAFE_INTEGER;
    roundTrip(
      fromArrays([1, 2, 3, 4, 5, 6, 7], [1, 2, 3, 4, 5, 6, 7], undefined, [big - 1, big, 0, big, -1, 0, 1]),
    );
    roundTrip(fromArrays([1, 2, 3], [1, 2, 3], undefined, [-1, -1, 0]));
  });

  test('quality mixes', () => {
    const base = regular(1000, 1000, (i) => i);
    const r = rng(8);
    roundTrip({
      ...base,
      quality: Uint8Array.from({ length: 1000 }, () => (r() < 0.02 ? 1 + Math.floor(r() * 3) : 0)),
    });
    roundTrip({ ...base, quality: Uint8Array.from({ length: 1000 }, () => Math.floor(r() * 4)) });
    roundTrip({ ...base, quality: new Uint8Array(1000).fill(3) });
    roundTrip({ ...base, quality: Uint8Array.from({ length: 1000 }, (_, i) => (i < 999 ? 0 : 2)) });
  });

  test('quality codes 4..7 (invalid and later) round-trip in wide runs; codes 0..3 keep the old bytes', () => {
    const base = regular(1000, 1000, (i) => i);
    const r = rng(9);
    roundTrip({ ...base, quality: Uint8Array.from({ length: 1000 }, () => Math.floor(r() * 8)) });
    roundTrip({ ...base, quality: Uint8Array.from({ length: 1000 }, (_, i) => (i % 100 === 7 ? 4 : 0)) });
    const ts = Float64Array.from([1000, 2000, 3000, 4000]);
    const values = Float64Array.from([1, Number.NaN, Number.NaN, 4]);
    const seq = new Float64Array(4).fill(-1);
    // bytes the format-1 encoder wrote before codes above 3 existed: flags 0x19, runs 0,3,1,0
    const old = [1, 25, 4, 208, 15, 184, 23, 0, 6, 0, 3, 0, 2, 2, 2, 0, 3, 1, 0];
    expect(Array.from(encodeBlock({ ts, values, seq, quality: Uint8Array.from([0, 3, 1, 0]) }))).toEqual(old);
    expect(Array.from(decodeBlock(Uint8Array.from(old)).quality)).toEqual([0, 3, 1, 0]);
    // flag 0x40 (wide): runs of (length-1)*8 + code
    const wide = [1, 89, 4, 208, 15, 184, 23, 0, 6, 0, 3, 0, 2, 2, 2, 0, 4, 1, 0];
    expect(Array.from(encodeBlock({ ts, values, seq, quality: Uint8Array.from([0, 4, 1, 0]) }))).toEqual(
      wide,
    );
    expect(Array.from(decodeBlock(Uint8Array.from(wide)).quality)).toEqual([0, 4, 1, 0]);
    // the wide flag without quality runs is malformed
    expect(() => decodeBlock(Uint8Array.from([1, 0x49, ...wide.slice(2, 14)]))).toThrow(BlockFormatError);
  });

  test('count selects a prefix; Buffer input decodes', () => {
    const c = regular(100, 1000, (i) => i / 8);
    roundTrip(c, 40);
    const bytes = encodeBlock(c, 40);
    const buf = Buffer.concat([Buffer.from([9, 9, 9]), Buffer.from(bytes)]).subarray(3);
    expect(mismatch(c, decodeBlock(buf), 40)).toBeNull();
  });

  test('encoder output does not alias its scratch buffer', () => {
    const a = encodeBlock(regular(10, 1000, (i) => i));
    const copy = Uint8Array.from(a);
    encodeBlock(regular(10, 1000, (i) => i * 3.3));
    expect(a).toEqual(copy);
  });

  test('MAX_BLOCK_POINTS block', () => {
    const c = regular(MAX_BLOCK_POINTS, 1000, (i) => (i % 1000) / 10);
    roundTrip(c);
  });
});

describe('encoder input validation', () => {
  const ok = () => regular(4, 1000, (i) => i);
  test.each([
    ['descending ts', (c: BlockColumns) => c.ts.set([3, 2], 2)],
    ['duplicate ts', (c: BlockColumns) => c.ts.set([c.ts[1]!], 2)],
    ['fractional ts', (c: BlockColumns) => c.ts.set([c.ts[1]! + 0.5], 2)],
    ['NaN ts', (c: BlockColumns) => c.ts.set([Number.NaN], 0)],
    ['ts out of range', (c: BlockColumns) => c.ts.set([MAX_ABS_TS + 1], 3)],
    ['quality code 8', (c: BlockColumns) => c.quality.set([8], 1)],
    ['fractional seq', (c: BlockColumns) => c.seq.set([1.5], 1)],
    ['negative seq', (c: BlockColumns) => c.seq.set([-2], 1)],
    ['seq 2^53', (c: BlockColumns) => c.seq.set([2 ** 53 - 1, 2 ** 53], 1)],
  ])('%s throws RangeError', (_name, mutate) => {
    const c = ok();
    mutate(c);
    expect(() => encodeBlock(c)).toThrow(RangeError);
  });

  test('bad counts throw RangeError', () => {
    expect(() => encodeBlock(ok(), 5)).toThrow(RangeError);
    expect(() => encodeBlock(ok(), -1)).toThrow(RangeError);
    expect(() => encodeBlock(ok(), 1.5)).toThrow(RangeError);
    expect(() => encodeBlock(columns(MAX_BLOCK_POINTS + 1))).toThrow(RangeError);
  });
});

describe('decoder rejects malformed blocks', () => {
  const valid = () => encodeBlock(regular(100, 1000, (i) => i / 4));
  test.each([
    ['empty input', () => new Uint8Array(0)],
    ['wrong version', () => Uint8Array.from([2, 0, 0])],
    ['reserved flag bits', () => Uint8Array.from([1, 0x40, 0])],
    ['flags on an empty block', () => Uint8Array.from([1, 1, 0])],
    ['count over the cap', () => Uint8Array.from([1, 0, 0x81, 0x80, 0x80, 0x01, 0, 1])],
    ['count larger than the data allows', () => Uint8Array.from([1, 0, 0xff, 0xff, 0x3f, 0, 1])],
    ['truncated', () => valid().subarray(0, valid().length - 1)],
    ['trailing bytes', () => Uint8Array.from([...valid(), 0])],
    ['non-canonical varint', () => Uint8Array.from([1, 0, 0x80, 0x00])],
  ])('%s', (_name, make) => {
    expect(() => decodeBlock(make())).toThrow(BlockFormatError);
  });

  test('blockSummary validates the header', () => {
    expect(() => blockSummary(Uint8Array.from([1, 0]))).toThrow(BlockFormatError);
    expect(() => blockSummary(Uint8Array.from([7, 0, 0]))).toThrow(BlockFormatError);
    expect(() => decodeBlock([1, 2, 3] as unknown as Uint8Array)).toThrow(BlockFormatError);
  });
});

describe('size', () => {
  const report = (label: string, bytes: number, n: number) => {
    console.log(`[codec size] ${label}: ${(bytes / n).toFixed(3)} bytes/point (${bytes} B / ${n} points)`);
    return bytes / n;
  };

  test('1 Hz sensor data at 0.01 resolution with +-3 ms jitter: <= 4 bytes/point', () => {
    const r = rng(42);
    const c = columns(3600);
    c.ts.set(jitteredTs(3600, 3, r));
    c.values.set(sensorValues(3600, r));
    const perPoint = report('1 Hz sensor, 0.01 res, +-3 ms jitter, 3600 pts', roundTrip(c).length, 3600);
    expect(perPoint).toBeLessThanOrEqual(4);
    // Regression guard: the packed streams make this about 1.14 today.
    expect(perPoint).toBeLessThanOrEqual(1.5);

    const withSeq = { ...c, seq: Float64Array.from({ length: 3600 }, (_, i) => 1000 + i) };
    report('  same with consecutive seq', roundTrip(withSeq).length, 3600);
    const regularTs = { ...c, ts: Float64Array.from({ length: 3600 }, (_, i) => T0 + i * 1000) };
    report('  same with exact 1 s timestamps', roundTrip(regularTs).length, 3600);
  });

  test('full-precision random doubles (figure only)', () => {
    const c = columns(3600);
    c.ts.set(jitteredTs(3600, 3, rng(9)));
    c.values.set(randomDoubles(3600, rng(10)));
    const perPoint = report('full-precision random doubles, 3600 pts', roundTrip(c).length, 3600);
    expect(perPoint).toBeLessThanOrEqual(10);
  });
});
