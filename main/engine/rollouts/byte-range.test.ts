import { describe, expect, it } from 'vitest';
import { parseRange } from './byte-range';

// RFC 9110 §14.1.2, "Examples of byte-ranges-specifier values, assuming a representation of length 10000"
const LENGTH = 10000;

describe('Range header (RFC 9110 §14)', () => {
  it.each([
    ['bytes=0-499', 0, 499], // "The first 500 bytes (byte offsets 0-499, inclusive)"
    ['bytes=500-999', 500, 999], // "The second 500 bytes"
    ['bytes=-500', 9500, 9999], // "The final 500 bytes (byte offsets 9500-9999, inclusive)"
    ['bytes=9500-', 9500, 9999], // "Or: bytes=9500-"
    // "Other valid (but not canonical) specifications of the second 500 bytes"
    ['bytes=500-600,601-999', 500, 999],
    ['bytes=500-700,601-999', 500, 999],
  ])('%s is bytes %i-%i of 10000', (header, start, end) => {
    expect(parseRange(header, LENGTH)).toEqual({ kind: 'partial', start, end });
  });

  it('serves ranges that do not join up as the whole representation (§14.2: MAY ignore Range)', () => {
    // §14.1.2 "The first and last bytes only" and "The first, middle, and last 1000 bytes"
    expect(parseRange('bytes=0-0,-1', LENGTH)).toEqual({ kind: 'full' });
    expect(parseRange('bytes= 0-999, 4500-5499, -1000', LENGTH)).toEqual({ kind: 'full' });
  });

  it('clamps a last-pos past the end and a suffix longer than the representation (§14.1.1)', () => {
    expect(parseRange('bytes=9000-20000', LENGTH)).toEqual({ kind: 'partial', start: 9000, end: 9999 });
    expect(parseRange('bytes=-20000', LENGTH)).toEqual({ kind: 'partial', start: 0, end: 9999 });
    expect(parseRange('Bytes=0-0', LENGTH)).toEqual({ kind: 'partial', start: 0, end: 0 });
  });

  it('finds no overlap: 416 (§14.1.1 satisfiable only if first-pos < length; suffix-length > 0)', () => {
    expect(parseRange('bytes=10000-', LENGTH)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=10000-10010,20000-', LENGTH)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-0', LENGTH)).toEqual({ kind: 'unsatisfiable' });
    // §14.1.2: a zero-length representation satisfies only a non-zero suffix-range, which selects nothing here either
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
  });

  it.each([
    undefined,
    'bytes=500-499', // §14.1.1: last-pos less than first-pos is invalid
    'bytes=-', // neither position
    'bytes=a-b',
    'bytes=0-1;2',
    'bytes=',
    'items=0-10', // §14.2: a range unit the server does not understand is ignored
    'bytes 0-10',
    'bytes=1e3-2000',
    'bytes=0x10-20',
    'bytes=99999999999999999999-',
    `bytes=${'0-1,'.repeat(100)}0-1`,
  ])('ignores %s and sends the whole representation (§14.2)', (header) => {
    expect(parseRange(header, LENGTH)).toEqual({ kind: 'full' });
  });

  it('never throws and never selects bytes outside the representation (fuzz)', () => {
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const alphabet = 'bytes=0123456789-, \t;x';
    for (let i = 0; i < 5000; i++) {
      const len = next() % 30;
      let header = '';
      for (let j = 0; j < len; j++) header += alphabet[next() % alphabet.length];
      const length = next() % 50;
      const r = parseRange(header, length);
      if (r.kind === 'partial') {
        expect(r.start).toBeGreaterThanOrEqual(0);
        expect(r.end).toBeGreaterThanOrEqual(r.start);
        expect(r.end).toBeLessThan(length);
      }
    }
  });
});
