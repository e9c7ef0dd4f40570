/**
 * The `Range` request header for one representation of known length (RFC 9110 §14.1-14.2):
 * what a device asks for when it resumes an image download. One range is served as 206;
 * several are served as one range when they join up (§15.3.7.2 lets a server coalesce),
 * else the whole image goes out as 200, which §14.2 allows ("a server MAY ignore the Range
 * header field"), so no multipart/byteranges is ever built.
 */

export type RangeOutcome =
  /** no Range, or one the server ignores: send the whole representation (200) */
  | { kind: 'full' }
  /** send bytes start..end inclusive (206 with `Content-Range: bytes start-end/length`) */
  | { kind: 'partial'; start: number; end: number }
  /** no range overlaps the representation: 416 with `Content-Range: bytes *\/length` */
  | { kind: 'unsatisfiable' };

/** a header longer than this is not a resume request: ignored rather than parsed */
const MAX_HEADER = 256;
const RANGE_SPEC = /^(\d{1,15})?-(\d{1,15})?$/;

export function parseRange(header: string | undefined, length: number): RangeOutcome {
  if (header === undefined || header.length > MAX_HEADER) return { kind: 'full' };
  const eq = header.indexOf('=');
  // §14.1: the unit is case-insensitive; §14.2: an origin server ignores units it does not know
  if (eq < 0 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return { kind: 'full' };
  const ranges: { start: number; end: number }[] = [];
  let anyValid = false;
  // §5.6.1: a list may carry empty elements and optional whitespace around commas
  for (const element of header.slice(eq + 1).split(',')) {
    const spec = element.trim();
    if (spec === '') continue;
    const m = RANGE_SPEC.exec(spec);
    if (!m || (m[1] === undefined && m[2] === undefined)) return { kind: 'full' };
    anyValid = true;
    if (m[1] === undefined) {
      // suffix-range: the last N bytes; §14.1.1: satisfiable only when N > 0
      const n = Number(m[2]);
      if (n > 0 && length > 0) ranges.push({ start: Math.max(0, length - n), end: length - 1 });
      continue;
    }
    const first = Number(m[1]);
    const last = m[2] === undefined ? undefined : Number(m[2]);
    // §14.1.1: last-pos below first-pos makes the whole ranges-specifier invalid (ignored, §14.2)
    if (last !== undefined && last < first) return { kind: 'full' };
    // §14.1.1: satisfiable only if first-pos is below the length; last-pos past the end is clamped
    if (first < length) ranges.push({ start: first, end: Math.min(last ?? length - 1, length - 1) });
  }
  if (!anyValid) return { kind: 'full' };
  if (ranges.length === 0) return { kind: 'unsatisfiable' };
  ranges.sort((a, b) => a.start - b.start);
  let joined = ranges[0]!;
  for (const r of ranges.slice(1)) {
    if (r.start > joined.end + 1) return { kind: 'full' };
    joined = { start: joined.start, end: Math.max(joined.end, r.end) };
  }
  return { kind: 'partial', ...joined };
}
