/**
 * Compressed columnar block codec for the raw readings of one series (one device metric).
 *
 * Pure TypeScript (no Node APIs). A block holds up to MAX_BLOCK_POINTS points as four columns
 * (ts, values, quality, seq) and round-trips every element exactly (Object.is per element;
 * NaN decodes as the canonical NaN). The only normalisation: ts and seq are integers, and an
 * integer -0 there is read back as 0.
 *
 * Layout (all varints are unsigned LEB128, at most 8 bytes, value <= 2^53-1;
 * zz(x) is zig-zag: x >= 0 ? 2x : -2x-1):
 *
 *   header  u8 version (=1) | u8 flags | varint count
 *           count > 0: varint zz(firstTs) | varint (lastTs - firstTs)
 *   flags   bits 0-1 value mode: 0 all null (nothing stored), 1 scaled decimal, 2 float XOR
 *           bits 2-3 null map: 0 none, 1 runs, 2 bitmap      bit 4 quality runs present
 *           bit 5 seq present      bit 6 wide quality codes    bit 7 zero
 *   ts      packed(count-1) of zz(delta-of-delta); the delta before the first one is taken as
 *           round((lastTs - firstTs) / (count - 1)), so a regular series starts near 0
 *   nulls   runs: varints, alternating present/null run lengths starting with present
 *           (the first may be 0), summing to count; bitmap: ceil(count/8) bytes, bit set = null
 *   values  over the m non-null values only:
 *           scaled: u8 (k | order<<4) | varint g | varint e | e x (varint index gap, f64 LE)
 *                   | varint zz(r0) | packed(m-e-1) of zz(x_j / g)   where r = round(v * 10^k),
 *                   v === r / 10^k, x = first differences (order 0) or second differences
 *                   (order 1) of r, and the e exceptions (-0, +-Infinity, values needing k > 6
 *                   or |r| > 2^49) are stored raw and skipped by the integer stream
 *           float:  per value XOR of the float64 bits with the previous value's bits:
 *                   u8 control 0 = same bits, else 1 + lead*8 + trail (zero bytes at the top /
 *                   bottom, lead + trail <= 7) followed by the 8-lead-trail meaningful bytes (MSB first)
 *   quality runs of varint ((runLength-1)*4 + code), codes 0..3 (absent: all 0); with bit 6,
 *           ((runLength-1)*8 + code), codes 0..7 (only set when a code is above 3, so blocks
 *           written before codes 4..7 existed and blocks without them are unchanged)
 *   seq     tokens varint t, tag = t & 3, arg = t >> 2 (absent: all -1):
 *           0: arg points each previous+1 | 1: one point previous + unzz(arg)
 *           2: arg points of -1           | 3 (arg 0): one point, absolute varint follows
 *
 *   packed(len): unsigned integers in chunks of 64 (the last one shorter), each chunk
 *           u8 h: w = h & 31, patched = h & 0x20, bits 6-7 zero
 *             w 0..24: ceil(len*w/8) bytes of w-bit fields, LSB first; if patched: u8 count
 *                      (1..len) then per patch u8 index (ascending) + varint full value, which
 *                      replaces that field (PFor-style patching of outliers)
 *             w 31:    len varints (not patched)
 *
 * The decoder validates everything (declared counts against the remaining bytes, run lengths,
 * strict ts order, the header's lastTs, exact end of input) and throws BlockFormatError.
 */

export interface BlockColumns {
  /** Device time, integer ms since epoch, strictly ascending. */
  ts: Float64Array;
  /** NaN means null (no value). */
  values: Float64Array;
  /** Small codes 0..7 (0 = good), index into common/reading.ts QUALITIES. */
  quality: Uint8Array;
  /** Device sequence number per point, or -1 when none; non-negative safe integers. */
  seq: Float64Array;
}

export interface BlockSummary {
  count: number;
  /** NaN for an empty block. */
  firstTs: number;
  /** NaN for an empty block. */
  lastTs: number;
}

export class BlockFormatError extends Error {
  override name = 'BlockFormatError';
}

export const BLOCK_FORMAT_VERSION = 1;
/** Hard cap on points per block, for encoding and decoding. */
export const MAX_BLOCK_POINTS = 1 << 20;
/** |ts| limit (about year 19800): keeps every delta-of-delta token an exact double. */
export const MAX_ABS_TS = 2 ** 49;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const MAX_SCALED = 2 ** 49;
const MAX_SCALE = 6;
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6];
const SEQ_DELTA_LIMIT = 2 ** 50;
/** Values per packed chunk; also the most points one byte of the ts column can cover. */
const CHUNK = 64;
const MAX_PACK_WIDTH = 24;
const VARINT_CHUNK = 31;
const CHUNK_PATCHED = 0x20;
/** max(1, ceil(bits / 7)): varint length of a value with that many significant bits. */
const VARINT_LEN_BY_BITS = Array.from({ length: 54 }, (_, b) => Math.max(1, Math.ceil(b / 7)));

const MODE_NONE = 0;
const MODE_SCALED = 1;
const MODE_FLOAT = 2;
const NULLS_RUNS = 1;
const NULLS_BITMAP = 2;
const FLAG_QUALITY = 0x10;
const FLAG_SEQ = 0x20;
const FLAG_WIDE_QUALITY = 0x40;
const MAX_QUALITY = 7;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const LO = LITTLE_ENDIAN ? 0 : 1;
const HI = LITTLE_ENDIAN ? 1 : 0;

function fail(message: string): never {
  throw new BlockFormatError(message);
}

// ---------------------------------------------------------------------------------------------
// Scratch buffers (the encoder is synchronous, so module-level scratch is safe). Buffers for
// blocks up to SCRATCH_KEEP_POINTS are kept for reuse; larger ones are temporary.

const SCRATCH_KEEP_POINTS = 1 << 14;
let scratchBytes = new Uint8Array(0);
let scratchA = new Float64Array(0);
let scratchB = new Float64Array(0);
let scratchRuns = new Uint32Array(0);
let scratchExc = new Uint32Array(0);
let scratchU = new Float64Array(0);
const hist = new Int32Array(54);

function bytesFor(size: number, n: number): Uint8Array {
  if (scratchBytes.length >= size) return scratchBytes;
  const b = new Uint8Array(size);
  if (n <= SCRATCH_KEEP_POINTS) scratchBytes = b;
  return b;
}

function f64A(n: number): Float64Array {
  if (scratchA.length >= n) return scratchA;
  const a = new Float64Array(Math.max(n, 64));
  if (n <= SCRATCH_KEEP_POINTS) scratchA = a;
  return a;
}

function f64B(n: number): Float64Array {
  if (scratchB.length >= n) return scratchB;
  const a = new Float64Array(Math.max(n, 64));
  if (n <= SCRATCH_KEEP_POINTS) scratchB = a;
  return a;
}

function f64U(n: number): Float64Array {
  if (scratchU.length >= n) return scratchU;
  const a = new Float64Array(Math.max(n, 64));
  if (n <= SCRATCH_KEEP_POINTS) scratchU = a;
  return a;
}

function u32Runs(n: number): Uint32Array {
  if (scratchRuns.length >= n) return scratchRuns;
  const a = new Uint32Array(Math.max(n, 64));
  if (n <= SCRATCH_KEEP_POINTS) scratchRuns = a;
  return a;
}

function u32Exc(n: number): Uint32Array {
  if (scratchExc.length >= n) return scratchExc;
  const a = new Uint32Array(Math.max(n, 64));
  if (n <= SCRATCH_KEEP_POINTS) scratchExc = a;
  return a;
}

// ---------------------------------------------------------------------------------------------
// Varints

/** Writes a non-negative integer < 2^53; returns the new position. */
function writeVarint(buf: Uint8Array, pos: number, v: number): number {
  let p = pos;
  let x = v;
  if (x < 0x80) {
    buf[p] = x;
    return p + 1;
  }
  while (x >= 0x80000000) {
    buf[p++] = (x % 0x80) | 0x80;
    x = Math.floor(x / 0x80);
  }
  while (x >= 0x80) {
    buf[p++] = (x & 0x7f) | 0x80;
    x >>>= 7;
  }
  buf[p] = x;
  return p + 1;
}

/** Zig-zag for integers with |x| < 2^52. */
function zz(x: number): number {
  return x >= 0 ? x * 2 : -x * 2 - 1;
}

function unzz(z: number): number {
  if (z < 0x80000000) return (z >>> 1) ^ -(z & 1);
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

/** Significant bits of a non-negative integer < 2^53. */
function bitLength(v: number): number {
  return v < 0x80000000 ? 32 - Math.clz32(v) : 64 - Math.clz32(Math.floor(v / 4294967296));
}

/** Rough bit cost of zz(x) in a packed stream, used only to choose between encodings. */
function zzBits(x: number): number {
  if (x < 0x40000000 && x > -0x40000000) return 32 - Math.clz32((x << 1) ^ (x >> 31));
  return 53;
}

/** Position after the last readVarint call. */
let rpos = 0;

function readVarint(buf: Uint8Array, pos: number): number {
  let p = pos;
  const end = buf.length;
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 8; i++) {
    if (p >= end) fail('truncated block');
    const b = buf[p++]!;
    result += (b & 0x7f) * mul;
    if (b < 0x80) {
      if (b === 0 && i > 0) fail('non-canonical varint');
      if (result > MAX_SAFE) fail('varint out of range');
      rpos = p;
      return result;
    }
    mul *= 0x80;
  }
  return fail('varint too long');
}

// ---------------------------------------------------------------------------------------------
// Packed integer streams (see "packed(len)" in the format description)

/** Writes u[0..len) (non-negative integers < 2^53) as packed chunks; returns the new position. */
function writePacked(buf: Uint8Array, start: number, u: Float64Array, len: number): number {
  let pos = start;
  for (let s = 0; s < len; s += CHUNK) {
    const clen = Math.min(CHUNK, len - s);
    const e = s + clen;
    hist.fill(0);
    let maxB = 0;
    for (let j = s; j < e; j++) {
      const b = bitLength(u[j]!);
      hist[b]!++;
      if (b > maxB) maxB = b;
    }
    if (maxB === 0) {
      buf[pos++] = 0;
      continue;
    }
    // Cheapest width: every value wider than w becomes a patch (index byte + full varint).
    const top = Math.min(maxB, MAX_PACK_WIDTH);
    let patches = 0;
    let patchCost = 0;
    for (let b = top + 1; b <= maxB; b++) {
      patches += hist[b]!;
      patchCost += hist[b]! * (1 + VARINT_LEN_BY_BITS[b]!);
    }
    let bestW = VARINT_CHUNK;
    let bestPatches = 0;
    let bestCost = Number.POSITIVE_INFINITY;
    if (maxB > MAX_PACK_WIDTH) {
      bestCost = 0;
      for (let b = 0; b <= maxB; b++) bestCost += hist[b]! * VARINT_LEN_BY_BITS[b]!;
    }
    for (let w = top; w >= 0; w--) {
      const cost = ((clen * w + 7) >>> 3) + (patches > 0 ? 1 + patchCost : 0);
      if (cost < bestCost) {
        bestCost = cost;
        bestW = w;
        bestPatches = patches;
      }
      patches += hist[w]!;
      patchCost += hist[w]! * (1 + VARINT_LEN_BY_BITS[w]!);
    }
    if (bestW === VARINT_CHUNK) {
      buf[pos++] = VARINT_CHUNK;
      for (let j = s; j < e; j++) pos = writeVarint(buf, pos, u[j]!);
      continue;
    }
    const w = bestW;
    buf[pos++] = w | (bestPatches > 0 ? CHUNK_PATCHED : 0);
    const lim = 1 << w;
    if (w === 8) {
      for (let j = s; j < e; j++) {
        const v = u[j]!;
        buf[pos++] = v < lim ? v : 0;
      }
    } else if (w > 0) {
      let acc = 0;
      let bits = 0;
      for (let j = s; j < e; j++) {
        const v = u[j]!;
        acc |= (v < lim ? v : 0) << bits;
        bits += w;
        while (bits >= 8) {
          buf[pos++] = acc;
          acc >>>= 8;
          bits -= 8;
        }
      }
      if (bits > 0) buf[pos++] = acc;
    }
    if (bestPatches > 0) {
      buf[pos++] = bestPatches;
      for (let j = s; j < e; j++) {
        const v = u[j]!;
        if (v >= lim) {
          buf[pos++] = j - s;
          pos = writeVarint(buf, pos, v);
        }
      }
    }
  }
  return pos;
}

/** Reads `len` packed values into out[0..len); returns the new position. */
function readPacked(bytes: Uint8Array, start: number, out: Float64Array, len: number): number {
  const end = bytes.length;
  let pos = start;
  for (let s = 0; s < len; s += CHUNK) {
    const clen = Math.min(CHUNK, len - s);
    const e = s + clen;
    if (pos >= end) fail('truncated packed chunk');
    const h = bytes[pos++]!;
    const w = h & 31;
    if (h & 0xc0) fail('bad packed chunk header');
    if (w === VARINT_CHUNK) {
      if (h & CHUNK_PATCHED) fail('patched varint chunk');
      for (let j = s; j < e; j++) {
        const b = bytes[pos]!;
        if (b < 0x80) {
          out[j] = b;
          pos++;
        } else {
          out[j] = readVarint(bytes, pos);
          pos = rpos;
        }
      }
      continue;
    }
    if (w > MAX_PACK_WIDTH) fail('bad packed width');
    const nbytes = (clen * w + 7) >>> 3;
    if (nbytes > end - pos) fail('truncated packed chunk');
    if (w === 0) {
      out.fill(0, s, e);
    } else if (w === 8) {
      for (let j = s; j < e; j++) out[j] = bytes[pos++]!;
    } else {
      const mask = (1 << w) - 1;
      let acc = 0;
      let bits = 0;
      for (let j = s; j < e; j++) {
        while (bits < w) {
          acc |= bytes[pos++]! << bits;
          bits += 8;
        }
        out[j] = acc & mask;
        acc >>>= w;
        bits -= w;
      }
    }
    if (h & CHUNK_PATCHED) {
      if (pos >= end) fail('truncated patch list');
      const count = bytes[pos++]!;
      if (count === 0 || count > clen) fail('bad patch count');
      let prev = -1;
      for (let x = 0; x < count; x++) {
        if (pos >= end) fail('truncated patch list');
        const idx = bytes[pos++]!;
        if (idx <= prev || idx >= clen) fail('bad patch index');
        out[s + idx] = readVarint(bytes, pos);
        pos = rpos;
        prev = idx;
      }
    }
  }
  return pos;
}

// ---------------------------------------------------------------------------------------------
// Encoder

/**
 * Encodes the first `count` points (default: ts.length) of the columns. Throws RangeError when
 * the input breaks the contract (ts not strictly ascending integers within +-MAX_ABS_TS, quality
 * code > 7, seq neither -1 nor a non-negative safe integer, count out of range).
 */
export function encodeBlock(c: BlockColumns, count?: number): Uint8Array {
  const ts = c.ts;
  const values = c.values;
  const quality = c.quality;
  const seq = c.seq;
  const n = count ?? ts.length;
  if (!Number.isInteger(n) || n < 0 || n > MAX_BLOCK_POINTS) {
    throw new RangeError(`block count must be an integer in 0..${MAX_BLOCK_POINTS}, got ${n}`);
  }
  if (ts.length < n || values.length < n || quality.length < n || seq.length < n) {
    throw new RangeError(`block columns are shorter than count ${n}`);
  }
  const buf = bytesFor(33 * n + 64, n);
  let pos = 0;
  buf[pos++] = BLOCK_FORMAT_VERSION;
  const flagsPos = pos++;
  buf[flagsPos] = 0;
  pos = writeVarint(buf, pos, n);
  if (n === 0) return buf.slice(0, pos);

  // Header timestamps + ts column.
  const first = ts[0]!;
  const last = ts[n - 1]!;
  if (!Number.isInteger(first) || !(Math.abs(first) <= MAX_ABS_TS) || !(Math.abs(last) <= MAX_ABS_TS)) {
    throw new RangeError(`ts must be integers within +-${MAX_ABS_TS}`);
  }
  pos = writeVarint(buf, pos, zz(first));
  pos = writeVarint(buf, pos, Math.max(last - first, 0));
  pos = encodeTs(ts, n, buf, pos);

  // Values: compact the non-null values, recording alternating present/null runs.
  const nn = f64A(n);
  const runs = u32Runs(n + 1);
  let m = 0;
  let nRuns = 0;
  let inNull = false;
  let runStart = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (!Number.isNaN(v)) {
      if (inNull) {
        runs[nRuns++] = i - runStart;
        runStart = i;
        inNull = false;
      }
      nn[m++] = v;
    } else if (!inNull) {
      runs[nRuns++] = i - runStart;
      runStart = i;
      inNull = true;
    }
  }
  runs[nRuns++] = n - runStart;

  let flags = 0;
  if (m > 0) {
    if (m < n) {
      let runCost = 0;
      for (let j = 0; j < nRuns; j++) runCost += varintLen(runs[j]!);
      const bitmapCost = (n + 7) >>> 3;
      if (runCost <= bitmapCost) {
        flags |= NULLS_RUNS << 2;
        for (let j = 0; j < nRuns; j++) pos = writeVarint(buf, pos, runs[j]!);
      } else {
        flags |= NULLS_BITMAP << 2;
        buf.fill(0, pos, pos + bitmapCost);
        for (let i = 0; i < n; i++) {
          const v = values[i]!;
          if (Number.isNaN(v)) buf[pos + (i >>> 3)]! |= 1 << (i & 7);
        }
        pos += bitmapCost;
      }
    }
    const scaledEnd = encodeScaled(nn, m, buf, pos);
    if (scaledEnd >= 0) {
      flags |= MODE_SCALED;
      pos = scaledEnd;
    } else {
      flags |= MODE_FLOAT;
      pos = encodeFloat(nn, m, buf, pos);
    }
  }

  // Quality runs.
  let maxQuality = 0;
  for (let i = 0; i < n; i++) if (quality[i]! > maxQuality) maxQuality = quality[i]!;
  if (maxQuality > MAX_QUALITY) {
    throw new RangeError(`quality codes must be 0..${MAX_QUALITY}, got ${maxQuality}`);
  }
  if (maxQuality > 0) {
    flags |= FLAG_QUALITY;
    if (maxQuality > 3) flags |= FLAG_WIDE_QUALITY;
    pos = encodeQuality(quality, n, maxQuality > 3 ? 8 : 4, buf, pos);
  }

  // Sequence numbers.
  let anySeq = false;
  for (let i = 0; i < n; i++) {
    if (seq[i] !== -1) {
      anySeq = true;
      break;
    }
  }
  if (anySeq) {
    flags |= FLAG_SEQ;
    pos = encodeSeq(seq, n, buf, pos);
  }

  buf[flagsPos] = flags;
  return buf.slice(0, pos);
}

function varintLen(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 8;
}

function encodeTs(ts: Float64Array, n: number, buf: Uint8Array, start: number): number {
  if (n < 2) return start;
  const u = f64U(n);
  let prevT = ts[0]!;
  let prevD = Math.round((ts[n - 1]! - prevT) / (n - 1));
  for (let i = 1; i < n; i++) {
    const t = ts[i]!;
    const d = t - prevT;
    if (!(d > 0) || (d !== (d | 0) && !Number.isInteger(d))) {
      throw new RangeError(`ts must be strictly ascending integers (index ${i})`);
    }
    prevT = t;
    const dod = d - prevD;
    prevD = d;
    u[i - 1] = dod >= 0 ? dod * 2 : -dod * 2 - 1;
  }
  return writePacked(buf, start, u, n - 1);
}

/** Tries the scaled-decimal encoding; returns the new position, or -1 to use the float mode. */
function encodeScaled(nn: Float64Array, m: number, buf: Uint8Array, start: number): number {
  const excLimit = m >>> 2;
  // Pass A: the smallest scale k that fits every value (except up to excLimit exceptions),
  // keeping each value's scaled integer (NaN marks an exception) at the k current at the time.
  const ints = f64B(m);
  let k = 0;
  let p = 1;
  let exc = 0;
  let kChangedAt = 0;
  for (let i = 0; i < m; i++) {
    const v = nn[i]!;
    const r = Math.round(v * p);
    if (r / p === v && r <= MAX_SCALED && r >= -MAX_SCALED && (v !== 0 || 1 / v > 0)) {
      ints[i] = r;
      continue;
    }
    let found = false;
    if (v !== 0 && v < MAX_SCALED && v > -MAX_SCALED) {
      for (let kk = k + 1; kk <= MAX_SCALE; kk++) {
        const pp = POW10[kk]!;
        const rr = Math.round(v * pp);
        if (rr / pp === v && rr <= MAX_SCALED && rr >= -MAX_SCALED) {
          k = kk;
          p = pp;
          kChangedAt = i;
          ints[i] = rr;
          found = true;
          break;
        }
      }
    }
    if (!found) {
      if (++exc > excLimit) return -1;
      ints[i] = Number.NaN;
    }
  }

  // Pass B: values scaled before the last change of k are redone at the final k; anything
  // that does not fit becomes an exception.
  for (let i = 0; i < kChangedAt; i++) {
    if (Number.isNaN(ints[i]!)) continue;
    const v = nn[i]!;
    const r = Math.round(v * p);
    ints[i] = r / p === v && r <= MAX_SCALED && r >= -MAX_SCALED ? r : Number.NaN;
  }
  const excIdx = u32Exc(excLimit + 1);
  let e = 0;
  let mi = 0;
  for (let i = 0; i < m; i++) {
    const r = ints[i]!;
    if (Number.isNaN(r)) {
      if (e >= excLimit) return -1;
      excIdx[e++] = i;
    } else {
      ints[mi++] = r;
    }
  }

  // First differences in place, costing them against second differences.
  let costD = 0;
  let costDD = 0;
  let prev = mi > 0 ? ints[0]! : 0;
  let prevD = 0;
  for (let j = 1; j < mi; j++) {
    const cur = ints[j]!;
    const d = cur - prev;
    prev = cur;
    costD += zzBits(d);
    costDD += zzBits(d - prevD);
    prevD = d;
    ints[j] = d;
  }
  let order = 0;
  if (costDD < costD) {
    order = 1;
    for (let j = mi - 1; j >= 2; j--) ints[j] = ints[j]! - ints[j - 1]!;
  }

  // Common factor of the differences (e.g. 0.5 or 0.0625 steps).
  let g = 0;
  for (let j = 1; j < mi; j++) {
    let a = ints[j]!;
    if (a < 0) a = -a;
    if (a === 0) continue;
    let b = g;
    while (a !== 0) {
      const t = b % a;
      b = a;
      a = t;
    }
    g = b;
    if (g === 1) break;
  }
  if (g === 0) g = 1;

  let pos = start;
  buf[pos++] = k | (order << 4);
  pos = writeVarint(buf, pos, g);
  pos = writeVarint(buf, pos, e);
  if (e > 0) {
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let prevIdx = -1;
    for (let x = 0; x < e; x++) {
      const idx = excIdx[x]!;
      pos = writeVarint(buf, pos, idx - prevIdx - 1);
      prevIdx = idx;
      view.setFloat64(pos, nn[idx]!, true);
      pos += 8;
    }
  }
  if (mi > 0) {
    pos = writeVarint(buf, pos, zz(ints[0]!));
    const u = f64U(mi);
    if (g === 1) {
      for (let j = 1; j < mi; j++) {
        const x = ints[j]!;
        u[j - 1] = x >= 0 ? x * 2 : -x * 2 - 1;
      }
    } else {
      for (let j = 1; j < mi; j++) u[j - 1] = zz(ints[j]! / g);
    }
    pos = writePacked(buf, pos, u, mi - 1);
  }
  return pos;
}

/** Gorilla-style XOR of the float64 bit patterns, byte aligned. */
function encodeFloat(nn: Float64Array, m: number, buf: Uint8Array, start: number): number {
  const w = new Uint32Array(nn.buffer, nn.byteOffset, m * 2);
  let pos = start;
  let ph = 0;
  let pl = 0;
  for (let i = 0; i < m; i++) {
    const h = w[2 * i + HI]!;
    const l = w[2 * i + LO]!;
    const xh = h ^ ph;
    const xl = l ^ pl;
    ph = h;
    pl = l;
    if ((xh | xl) === 0) {
      buf[pos++] = 0;
      continue;
    }
    const lead = xh !== 0 ? Math.clz32(xh) >>> 3 : 4 + (Math.clz32(xl) >>> 3);
    const trail = xl !== 0 ? (31 - Math.clz32(xl & -xl)) >>> 3 : 4 + ((31 - Math.clz32(xh & -xh)) >>> 3);
    buf[pos++] = 1 + lead * 8 + trail;
    const stop = 8 - trail;
    for (let j = lead; j < stop; j++) {
      buf[pos++] = j < 4 ? xh >>> (24 - 8 * j) : xl >>> (56 - 8 * j);
    }
  }
  return pos;
}

/** `base` 4 (codes 0..3) or 8 (codes 0..7, FLAG_WIDE_QUALITY); codes are checked by the caller */
function encodeQuality(quality: Uint8Array, n: number, base: number, buf: Uint8Array, start: number): number {
  let pos = start;
  let cur = quality[0]!;
  let runStart = 0;
  for (let i = 1; i <= n; i++) {
    const q = i < n ? quality[i]! : -1;
    if (q === cur) continue;
    pos = writeVarint(buf, pos, (i - runStart - 1) * base + cur);
    cur = q;
    runStart = i;
  }
  return pos;
}

function encodeSeq(seq: Float64Array, n: number, buf: Uint8Array, start: number): number {
  let pos = start;
  let prev = 0;
  let hasPrev = false;
  let ones = 0;
  let absent = 0;
  for (let i = 0; i < n; i++) {
    const s = seq[i]!;
    if (s === -1) {
      if (ones > 0) {
        pos = writeVarint(buf, pos, ones * 4);
        ones = 0;
      }
      absent++;
      continue;
    }
    if (absent > 0) {
      pos = writeVarint(buf, pos, absent * 4 + 2);
      absent = 0;
    }
    if (hasPrev && s === prev + 1 && s <= MAX_SAFE) {
      ones++;
      prev = s;
      continue;
    }
    if (ones > 0) {
      pos = writeVarint(buf, pos, ones * 4);
      ones = 0;
    }
    if (!Number.isSafeInteger(s) || s < 0) {
      throw new RangeError(`seq must be -1 or a non-negative safe integer, got ${s} at index ${i}`);
    }
    if (hasPrev) {
      const z = zz(s - prev);
      if (z < SEQ_DELTA_LIMIT) {
        pos = writeVarint(buf, pos, z * 4 + 1);
        prev = s;
        continue;
      }
    }
    buf[pos++] = 3;
    pos = writeVarint(buf, pos, s);
    prev = s;
    hasPrev = true;
  }
  if (ones > 0) pos = writeVarint(buf, pos, ones * 4);
  if (absent > 0) pos = writeVarint(buf, pos, absent * 4 + 2);
  return pos;
}

// ---------------------------------------------------------------------------------------------
// Decoder

interface Header {
  flags: number;
  count: number;
  firstTs: number;
  lastTs: number;
  /** Position after the header. */
  pos: number;
}

function asBytes(bytes: Uint8Array): Uint8Array {
  if (!(bytes instanceof Uint8Array)) fail('block must be a Uint8Array');
  return bytes.constructor === Uint8Array
    ? bytes
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

function readHeader(bytes: Uint8Array): Header {
  if (bytes.length < 3) fail('truncated block header');
  if (bytes[0] !== BLOCK_FORMAT_VERSION) fail(`unknown block format version ${bytes[0]}`);
  const flags = bytes[1]!;
  if (flags & 0x80 || (flags & 3) === 3 || ((flags >>> 2) & 3) === 3) fail('bad block flags');
  if (flags & FLAG_WIDE_QUALITY && !(flags & FLAG_QUALITY)) fail('wide quality flag without quality runs');
  if ((flags & 3) === MODE_NONE && flags & 0x0c) fail('null map without values');
  const count = readVarint(bytes, 2);
  let pos = rpos;
  if (count > MAX_BLOCK_POINTS) fail(`block count ${count} exceeds ${MAX_BLOCK_POINTS}`);
  if (count === 0) {
    if (flags !== 0) fail('flags on an empty block');
    return { flags, count, firstTs: Number.NaN, lastTs: Number.NaN, pos };
  }
  const firstTs = unzz(readVarint(bytes, pos));
  const span = readVarint(bytes, rpos);
  pos = rpos;
  const lastTs = firstTs + span;
  if (Math.abs(firstTs) > MAX_ABS_TS || Math.abs(lastTs) > MAX_ABS_TS) fail('block ts out of range');
  if ((count === 1) !== (span === 0)) fail('block ts span does not match count');
  // Every ts token is at least one byte and covers at most CHUNK points: bounds allocation.
  if (Math.ceil((count - 1) / CHUNK) > bytes.length - pos) fail('block count exceeds its data');
  return { flags, count, firstTs, lastTs, pos };
}

/** Count and time range of a block, from its header only. */
export function blockSummary(bytes: Uint8Array): BlockSummary {
  const h = readHeader(asBytes(bytes));
  return { count: h.count, firstTs: h.firstTs, lastTs: h.lastTs };
}

/** Decodes a block; throws BlockFormatError on any malformed, truncated or hostile input. */
export function decodeBlock(input: Uint8Array): BlockColumns {
  const bytes = asBytes(input);
  const h = readHeader(bytes);
  const n = h.count;
  const end = bytes.length;
  const ts = new Float64Array(n);
  const values = new Float64Array(n);
  const quality = new Uint8Array(n);
  const seq = new Float64Array(n);
  let pos = h.pos;
  if (n === 0) {
    if (pos !== end) fail('trailing bytes after block');
    return { ts, values, quality, seq };
  }

  pos = decodeTs(bytes, pos, ts, n, h.firstTs, h.lastTs);

  const mode = h.flags & 3;
  const nullMode = (h.flags >>> 2) & 3;
  if (mode === MODE_NONE) {
    values.fill(Number.NaN);
  } else {
    let m = n;
    let runs: number[] | null = null;
    let bitmapPos = -1;
    if (nullMode === NULLS_RUNS) {
      runs = [];
      let sum = 0;
      m = 0;
      while (sum < n) {
        const r = readVarint(bytes, pos);
        pos = rpos;
        if (r === 0 && runs.length > 0) fail('empty null-map run');
        if (r > n - sum) fail('null-map runs exceed count');
        if ((runs.length & 1) === 0) m += r;
        runs.push(r);
        sum += r;
      }
    } else if (nullMode === NULLS_BITMAP) {
      const len = (n + 7) >>> 3;
      if (len > end - pos) fail('truncated null bitmap');
      bitmapPos = pos;
      let nulls = 0;
      for (let i = 0; i < len; i++) {
        let b = bytes[pos + i]!;
        while (b !== 0) {
          b &= b - 1;
          nulls++;
        }
      }
      if (n & 7 && bytes[pos + len - 1]! >>> (n & 7) !== 0) fail('bits set past the end of the null bitmap');
      m = n - nulls;
      pos += len;
    }
    pos = mode === MODE_SCALED ? decodeScaled(bytes, pos, values, m) : decodeFloat(bytes, pos, values, m);
    if (runs !== null) {
      let dst = n;
      let src = m;
      for (let j = runs.length - 1; j >= 0; j--) {
        const len = runs[j]!;
        if ((j & 1) === 0) {
          if (src !== dst) values.copyWithin(dst - len, src - len, src);
          src -= len;
        } else {
          values.fill(Number.NaN, dst - len, dst);
        }
        dst -= len;
      }
    } else if (bitmapPos >= 0) {
      let src = m - 1;
      for (let i = n - 1; i >= 0; i--) {
        if ((bytes[bitmapPos + (i >>> 3)]! >>> (i & 7)) & 1) values[i] = Number.NaN;
        else values[i] = values[src--]!;
      }
    }
  }

  if (h.flags & FLAG_QUALITY) {
    const base = h.flags & FLAG_WIDE_QUALITY ? 8 : 4;
    let i = 0;
    while (i < n) {
      const t = readVarint(bytes, pos);
      pos = rpos;
      const code = t % base;
      const run = (t - code) / base + 1;
      if (run > n - i) fail('quality runs exceed count');
      if (code !== 0) quality.fill(code, i, i + run);
      i += run;
    }
  }

  if (h.flags & FLAG_SEQ) pos = decodeSeq(bytes, pos, seq, n);
  else seq.fill(-1);

  if (pos !== end) fail('trailing bytes after block');
  return { ts, values, quality, seq };
}

function decodeTs(
  bytes: Uint8Array,
  start: number,
  out: Float64Array,
  n: number,
  firstTs: number,
  lastTs: number,
): number {
  out[0] = firstTs;
  if (n < 2) return start;
  const u = f64U(n);
  const pos = readPacked(bytes, start, u, n - 1);
  let t = firstTs;
  let d = Math.round((lastTs - firstTs) / (n - 1));
  for (let i = 1; i < n; i++) {
    const z = u[i - 1]!;
    d += z < 0x80000000 ? (z >>> 1) ^ -(z & 1) : unzz(z);
    if (d <= 0) fail('ts not strictly ascending');
    t += d;
    out[i] = t;
  }
  if (t !== lastTs) fail('ts column does not match the header');
  return pos;
}

function decodeScaled(bytes: Uint8Array, start: number, out: Float64Array, m: number): number {
  let pos = start;
  if (pos >= bytes.length) fail('truncated scaled values');
  const kb = bytes[pos++]!;
  const k = kb & 15;
  const order = kb >>> 4;
  if (k > MAX_SCALE || order > 1) fail('bad value scale');
  const p = POW10[k]!;
  const g = readVarint(bytes, pos);
  const e = readVarint(bytes, rpos);
  pos = rpos;
  if (g === 0) fail('zero value factor');
  if (e > m || e * 9 > bytes.length - pos) fail('bad value exception count');
  const excIdx = new Uint32Array(e + 1);
  const excVal = new Float64Array(e);
  if (e > 0) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let prevIdx = -1;
    for (let x = 0; x < e; x++) {
      const gap = readVarint(bytes, pos);
      pos = rpos;
      const idx = prevIdx + 1 + gap;
      if (idx >= m) fail('value exception index out of range');
      if (pos + 8 > bytes.length) fail('truncated value exception');
      excIdx[x] = idx;
      excVal[x] = view.getFloat64(pos, true);
      pos += 8;
      prevIdx = idx;
    }
  }
  excIdx[e] = m;
  const mi = m - e;
  let r = 0;
  let u: Float64Array = scratchU;
  if (mi > 0) {
    r = unzz(readVarint(bytes, pos));
    u = f64U(mi);
    pos = readPacked(bytes, rpos, u, mi - 1);
  }
  let nextExc = excIdx[0]!;
  let ei = 0;
  let d = 0;
  let j = -1;
  for (let i = 0; i < m; i++) {
    if (i === nextExc) {
      out[i] = excVal[ei++]!;
      nextExc = excIdx[ei]!;
      continue;
    }
    if (j >= 0) {
      const z = u[j]!;
      const x = (z < 0x80000000 ? (z >>> 1) ^ -(z & 1) : unzz(z)) * g;
      if (order === 0) r += x;
      else {
        d += x;
        r += d;
      }
    }
    j++;
    out[i] = r / p;
  }
  return pos;
}

function decodeFloat(bytes: Uint8Array, start: number, out: Float64Array, m: number): number {
  const end = bytes.length;
  const w = new Uint32Array(out.buffer, out.byteOffset, m * 2);
  let pos = start;
  let h = 0;
  let l = 0;
  for (let i = 0; i < m; i++) {
    if (pos >= end) fail('truncated float values');
    const c = bytes[pos++]!;
    if (c !== 0) {
      const lead = (c - 1) >>> 3;
      const trail = (c - 1) & 7;
      if (lead + trail > 7) fail('bad float control byte');
      const stop = 8 - trail;
      if (pos + stop - lead > end) fail('truncated float values');
      let xh = 0;
      let xl = 0;
      for (let j = lead; j < stop; j++) {
        const b = bytes[pos++]!;
        if (j < 4) xh |= b << (24 - 8 * j);
        else xl |= b << (56 - 8 * j);
      }
      h ^= xh;
      l ^= xl;
    }
    w[2 * i + HI] = h;
    w[2 * i + LO] = l;
  }
  return pos;
}

function decodeSeq(bytes: Uint8Array, start: number, out: Float64Array, n: number): number {
  let pos = start;
  let prev = 0;
  let hasPrev = false;
  let i = 0;
  while (i < n) {
    const t = readVarint(bytes, pos);
    pos = rpos;
    const tag = t % 4;
    const arg = (t - tag) / 4;
    if (tag === 0) {
      if (!hasPrev || arg < 1 || arg > n - i || prev + arg > MAX_SAFE) fail('bad seq run');
      for (let r = 0; r < arg; r++) out[i++] = ++prev;
    } else if (tag === 1) {
      const s = prev + unzz(arg);
      if (!hasPrev || s < 0 || s > MAX_SAFE) fail('bad seq delta');
      out[i++] = s;
      prev = s;
    } else if (tag === 2) {
      if (arg < 1 || arg > n - i) fail('bad seq gap');
      out.fill(-1, i, i + arg);
      i += arg;
    } else {
      if (arg !== 0) fail('bad seq token');
      const s = readVarint(bytes, pos);
      pos = rpos;
      out[i++] = s;
      prev = s;
      hasPrev = true;
    }
  }
  return pos;
}
