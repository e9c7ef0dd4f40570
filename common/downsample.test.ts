import { describe, expect, test } from 'vitest';
import { m4 } from './downsample';

function series(n: number, f: (i: number) => number | null) {
  const ts = Array.from({ length: n }, (_, i) => 1000 + i * 10);
  return { ts, values: ts.map((_, i) => f(i)), quality: ts.map(() => 0) };
}

describe('M4 downsampling', () => {
  test('leaves small series alone', () => {
    const s = series(10, (i) => i);
    expect(m4(s, 1000, 1090, 10)).toBe(s);
  });

  test('keeps first, min, max and last of every column, in time order, never more than 4 per column', () => {
    const s = series(10_000, (i) => Math.sin(i / 50) * 100 + (i === 4321 ? 1e6 : 0));
    const out = m4(s, s.ts[0]!, s.ts.at(-1)!, 100);
    expect(out.ts.length).toBeLessThanOrEqual(400);
    expect(out.ts.length).toBeGreaterThan(100);
    for (let k = 1; k < out.ts.length; k++) expect(out.ts[k]!).toBeGreaterThan(out.ts[k - 1]!);
    expect(Math.max(...(out.values as number[]))).toBe(Math.max(...(s.values as number[])));
    expect(out.ts[0]).toBe(s.ts[0]);
    expect(out.ts.at(-1)).toBe(s.ts.at(-1));
    expect(Math.min(...(out.values as number[]))).toBe(Math.min(...(s.values as number[])));
  });

  test('a gap (null) inside a column survives', () => {
    const s = series(1000, (i) => (i === 500 ? null : i));
    const out = m4(s, s.ts[0]!, s.ts.at(-1)!, 10);
    expect(out.values).toContain(null);
  });
});
