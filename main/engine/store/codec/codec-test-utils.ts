/** Shared helpers for the block codec tests (not used by production code). */
import { seededRandom } from '../../demo/simulated-device';
import type { BlockColumns } from './block-codec';

/** Deterministic PRNG (mulberry32) returning [0, 1). */
export const rng = seededRandom;

export function columns(n: number): BlockColumns {
  const seq = new Float64Array(n);
  seq.fill(-1);
  return { ts: new Float64Array(n), values: new Float64Array(n), quality: new Uint8Array(n), seq };
}

export function fromArrays(ts: number[], values: number[], quality?: number[], seq?: number[]): BlockColumns {
  const c = columns(ts.length);
  c.ts.set(ts);
  c.values.set(values);
  if (quality) c.quality.set(quality);
  if (seq) c.seq.set(seq);
  return c;
}

/** 1 Hz timestamps with +-jitter ms around each nominal second. */
export function jitteredTs(n: number, jitterMs: number, random: () => number, start = 1_700_000_000_000) {
  const ts = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    ts[i] = start + i * 1000 + Math.round((random() * 2 - 1) * jitterMs);
  }
  return ts;
}

/** 20 + slow sine + small noise, rounded to 2 decimals. */
export function sensorValues(n: number, random: () => number): Float64Array {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = 20 + 2 * Math.sin((2 * Math.PI * i) / 900) + (random() * 2 - 1) * 0.03;
    v[i] = Math.round(x * 100) / 100;
  }
  return v;
}

/** Random doubles with full 52-bit mantissas. */
export function randomDoubles(n: number, random: () => number): Float64Array {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = (random() - 0.5) * 1000 + random() * 1e-9;
  return v;
}

/** First mismatch (Object.is per element) between `expected` (first n) and `actual`, or null. */
export function mismatch(
  expected: BlockColumns,
  actual: BlockColumns,
  n = expected.ts.length,
): string | null {
  for (const key of ['ts', 'values', 'quality', 'seq'] as const) {
    const e = expected[key];
    const a = actual[key];
    if (a.length !== n) return `${key}: length ${a.length}, expected ${n}`;
    for (let i = 0; i < n; i++) {
      if (!Object.is(a[i], e[i])) return `${key}[${i}]: got ${a[i]}, expected ${e[i]}`;
    }
  }
  return null;
}
