/**
 * The SMP serial (console) transport framing, as Zephyr's serial_util.c and
 * doc/services/device_mgmt/smp_transport.rst define it:
 *   payload = BE16(len(packet) + 2) ‖ packet ‖ BE16(CRC-16/XMODEM(packet))
 * (the length counts packet + CRC, not itself; the CRC covers the SMP packet only:
 * Zephyr's `crc16_itu_t(0x0000, …)`, poly 0x1021, init 0, unreflected, no xorout).
 * The payload is base64-encoded and cut into lines of at most 127 bytes
 * (MCUMGR_SERIAL_MAX_FRAME, marker and newline included): the first starts 0x06 0x09,
 * continuations 0x04 0x14, each ends with '\n'. Every line carries whole base64 quads,
 * so each decodes on its own as Zephyr's receiver does. Other lines on the UART are
 * device logs and are ignored.
 */

export const FRAME_START = [0x06, 0x09] as const;
export const FRAME_CONTINUATION = [0x04, 0x14] as const;
export const MAX_LINE_BYTES = 127;
/** base64 characters per line: 127 minus the 2-byte marker and the newline, rounded down to whole quads */
export const BASE64_PER_LINE = Math.floor((MAX_LINE_BYTES - 3) / 4) * 4;
/** bytes a full line carries */
const LINE_PAYLOAD = (BASE64_PER_LINE / 4) * 3;

/**
 * CRC-16/XMODEM by slicing-by-8: SLICES[k][b] is the CRC of byte b followed by k zero
 * bytes, so eight bytes cost eight independent lookups instead of eight dependent steps
 * (an upload runs megabytes through this on both ends of the link).
 */
const SLICES = (() => {
  const t = Array.from({ length: 8 }, () => new Uint16Array(256));
  const t0 = t[0] as Uint16Array;
  for (let n = 0; n < 256; n++) {
    let c = n << 8;
    for (let i = 0; i < 8; i++) c = c & 0x8000 ? (c << 1) ^ 0x1021 : c << 1;
    t0[n] = c & 0xffff;
  }
  for (let k = 1; k < 8; k++) {
    const prev = t[k - 1] as Uint16Array;
    const cur = t[k] as Uint16Array;
    for (let n = 0; n < 256; n++) {
      const c = prev[n] as number;
      cur[n] = ((c << 8) ^ (t0[c >> 8] as number)) & 0xffff;
    }
  }
  return t;
})();
const [T0, T1, T2, T3, T4, T5, T6, T7] = SLICES as [
  Uint16Array,
  Uint16Array,
  Uint16Array,
  Uint16Array,
  Uint16Array,
  Uint16Array,
  Uint16Array,
  Uint16Array,
];

export function crc16xmodem(bytes: Uint8Array, crc = 0): number {
  let c = crc & 0xffff;
  let i = 0;
  const whole = bytes.length - (bytes.length % 8);
  for (; i < whole; i += 8)
    c =
      (T7[(c >> 8) ^ (bytes[i] as number)] as number) ^
      (T6[(c & 0xff) ^ (bytes[i + 1] as number)] as number) ^
      (T5[bytes[i + 2] as number] as number) ^
      (T4[bytes[i + 3] as number] as number) ^
      (T3[bytes[i + 4] as number] as number) ^
      (T2[bytes[i + 5] as number] as number) ^
      (T1[bytes[i + 6] as number] as number) ^
      (T0[bytes[i + 7] as number] as number);
  for (; i < bytes.length; i++)
    c = ((c << 8) ^ (T0[((c >> 8) ^ (bytes[i] as number)) & 0xff] as number)) & 0xffff;
  return c;
}

export function encodeSerialFrame(packet: Uint8Array): Uint8Array {
  if (packet.length + 2 > 0xffff)
    throw new RangeError(`SMP packet of ${packet.length} bytes is too long for a serial frame`);
  const payload = Buffer.allocUnsafe(packet.length + 4);
  payload.writeUInt16BE(packet.length + 2, 0);
  payload.set(packet, 2);
  payload.writeUInt16BE(crc16xmodem(packet), packet.length + 2);
  // One base64 pass, written once at the tail of the output buffer; each line then moves
  // forward into place behind its marker. A line's new place always lies before the text
  // still to be moved (3 bytes of marker and newline per line), so nothing is overwritten
  // unread. No intermediate buffer, no per-line allocation: an upload encodes megabytes.
  const text = payload.toString('base64');
  const size = serialFrameSize(packet.length);
  const out = Buffer.allocUnsafe(size);
  const start = size - text.length;
  out.write(text, start, 'latin1');
  let o = 0;
  for (let at = 0; at < text.length; at += BASE64_PER_LINE) {
    const marker = at === 0 ? FRAME_START : FRAME_CONTINUATION;
    out[o++] = marker[0];
    out[o++] = marker[1];
    const end = Math.min(text.length, at + BASE64_PER_LINE);
    out.copyWithin(o, start + at, start + end);
    o += end - at;
    out[o++] = 0x0a;
  }
  return new Uint8Array(out.buffer, out.byteOffset, o);
}

/** Bytes on the wire for an SMP packet of `packetLength` bytes. */
export function serialFrameSize(packetLength: number): number {
  const chars = Math.ceil((packetLength + 4) / 3) * 4;
  return chars + Math.ceil(chars / BASE64_PER_LINE) * 3;
}

export type SmpFrameErrorKind = 'base64' | 'crc' | 'length' | 'overflow' | 'continuation';

export class SmpFrameError extends Error {
  override readonly name = 'SmpFrameError';
  constructor(
    readonly kind: SmpFrameErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export interface SerialFrameDecoderOptions {
  /** largest SMP packet accepted (header + body); longer frames are dropped with an error */
  maxPacket?: number;
  /** lines longer than this (device logs) are skipped up to their newline */
  maxLineBytes?: number;
}

/** base64 alphabet value of each byte, 64 for '=', 255 for anything else */
const BASE64_VALUE = (() => {
  const t = new Uint8Array(256).fill(255);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < 64; i++) t[alphabet.charCodeAt(i)] = i;
  t[0x3d] = 64;
  return t;
})();

/**
 * Strict RFC 4648 base64 of `src[from, to)` into `out` at `at`: whole quads, padding only
 * in the last one. Returns the bytes written, or -1 when the text is not valid base64.
 */
function decodeBase64(src: Uint8Array, from: number, to: number, out: Uint8Array, at: number): number {
  if ((to - from) % 4 !== 0) return -1;
  let o = at;
  for (let i = from; i < to; i += 4) {
    const a = BASE64_VALUE[src[i] as number] as number;
    const b = BASE64_VALUE[src[i + 1] as number] as number;
    const c = BASE64_VALUE[src[i + 2] as number] as number;
    const d = BASE64_VALUE[src[i + 3] as number] as number;
    if ((a | b | c | d) < 64) {
      out[o++] = (a << 2) | (b >> 4);
      out[o++] = ((b & 15) << 4) | (c >> 2);
      out[o++] = ((c & 3) << 6) | d;
      continue;
    }
    // padding: only the last quad, as xx== or xxx=
    if (i + 4 !== to || a > 63 || b > 63 || c === 255 || d !== 64 || (c === 64 && d !== 64)) return -1;
    out[o++] = (a << 2) | (b >> 4);
    if (c !== 64) out[o++] = ((b & 15) << 4) | (c >> 2);
  }
  return o - at;
}

/**
 * Reassembles SMP packets from a byte stream. Never throws on input: malformed frames
 * are reported through `onError` and dropped, the decoder resynchronises on the next
 * start marker. Memory is bounded by `maxLineBytes` and `maxPacket`. Lines wholly inside
 * a chunk are decoded in place, straight into the frame's buffer (an upload is megabytes).
 */
export class SerialFrameDecoder {
  /** a line cut by a chunk boundary */
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private skipping = false;
  /** the frame being assembled (decoded bytes: length field, packet, CRC), null between frames */
  private frame: Buffer | null = null;
  private frameBytes = 0;
  /** the rest of a dropped frame: its continuation lines are skipped without further errors */
  private discarding = false;
  private readonly maxPacket: number;
  private readonly maxLineBytes: number;
  /** the most one line decodes to: a frame's buffer keeps this much beyond its declared length */
  private readonly lineRoom: number;

  constructor(
    private readonly onPacket: (packet: Uint8Array) => void,
    private readonly onError: (error: SmpFrameError) => void = () => {},
    options: SerialFrameDecoderOptions = {},
  ) {
    this.maxPacket = options.maxPacket ?? 0xfffd;
    this.maxLineBytes = options.maxLineBytes ?? 4096;
    this.lineRoom = Math.ceil(this.maxLineBytes / 4) * 3;
  }

  push(chunk: Uint8Array): void {
    let at = 0;
    // lines before this offset failed the one-pass check: they go one by one, each tried once
    let strictUntil = 0;
    while (at < chunk.length) {
      if (at >= strictUntil && this.frame && !this.skipping && this.partialBytes === 0) {
        const run = this.continuationRun(chunk, at);
        if (run > 0) {
          at = run;
          continue;
        }
        if (run < 0) strictUntil = -run;
      }
      const nl = chunk.indexOf(0x0a, at);
      const end = nl < 0 ? chunk.length : nl;
      if (!this.skipping) {
        if (this.partialBytes + end - at > this.maxLineBytes) {
          this.skipping = true;
          this.partial = [];
          this.partialBytes = 0;
        } else if (nl >= 0 && this.partialBytes === 0) {
          this.finishLine(chunk, at, end);
          at = nl + 1;
          continue;
        } else if (end > at) {
          this.partial.push(Buffer.from(chunk.subarray(at, end)));
          this.partialBytes += end - at;
        }
      }
      if (nl < 0) return;
      if (!this.skipping) {
        const whole = Buffer.concat(this.partial);
        this.finishLine(whole, 0, whole.length);
      }
      this.partial = [];
      this.partialBytes = 0;
      this.skipping = false;
      at = nl + 1;
    }
  }

  /**
   * The full continuation lines at `at` (what an upload sends by the hundred), decoded in one
   * native pass; returns where they end, 0 when there is no such run, or minus its end when
   * the run failed the check below (its lines then go one by one, so damaged input is not
   * decoded over and over). Taken only when
   * the result is provably what the line-by-line path gives: every line is 04 14, 124
   * characters and a newline; the frame's declared end is not passed (check() then completes
   * it as after a last line); and the native decoder, which skips any byte that is not base64,
   * stops at '=' and also takes '-' and '_', produced 93 bytes a line from text holding
   * neither '-' nor '_', i.e. every character was in the strict alphabet. Anything else,
   * errors included, goes the strict way.
   */
  private continuationRun(chunk: Uint8Array, at: number): number {
    const frame = this.frame as Buffer;
    if (this.frameBytes < 2) return 0;
    const room = frame.readUInt16BE(0) + 2 - this.frameBytes;
    const most = Math.min(Math.floor(room / LINE_PAYLOAD), Math.floor((chunk.length - at) / MAX_LINE_BYTES));
    let lines = 0;
    for (let p = at; lines < most; lines++, p += MAX_LINE_BYTES)
      if (
        chunk[p] !== FRAME_CONTINUATION[0] ||
        chunk[p + 1] !== FRAME_CONTINUATION[1] ||
        chunk[p + MAX_LINE_BYTES - 1] !== 0x0a
      )
        break;
    if (lines < 2) return 0;
    const end = at + lines * MAX_LINE_BYTES;
    const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1', at, end);
    const written = frame.write(text, this.frameBytes, 'base64');
    if (written !== lines * LINE_PAYLOAD || text.includes('-') || text.includes('_')) return -end;
    this.frameBytes += written;
    this.check();
    return end;
  }

  private finishLine(src: Uint8Array, from: number, to: number): void {
    const end = to > from && src[to - 1] === 0x0d ? to - 1 : to;
    if (end - from < 2) return;
    const start = src[from] === FRAME_START[0] && src[from + 1] === FRAME_START[1];
    const cont = src[from] === FRAME_CONTINUATION[0] && src[from + 1] === FRAME_CONTINUATION[1];
    if (!start && !cont) return; // a log line sharing the UART
    if (start) {
      if (this.frame) this.fail('length', 'a new SMP frame started before the previous one was complete');
      this.frame = Buffer.allocUnsafe(this.lineRoom);
      this.frameBytes = 0;
      this.discarding = false;
    } else if (!this.frame) {
      if (this.discarding) return;
      this.onError(new SmpFrameError('continuation', 'SMP continuation line without a start line'));
      return;
    }
    const frame = this.frame as Buffer;
    if (((end - from - 2) / 4) * 3 > frame.length - this.frameBytes) {
      // the buffer holds the declared length and one line more: this frame is longer than it says
      this.fail('length', 'SMP frame carries more bytes than its length field says');
      return;
    }
    const n = decodeBase64(src, from + 2, end, frame, this.frameBytes);
    if (n < 0) {
      this.fail('base64', 'SMP frame line is not valid base64');
      return;
    }
    this.frameBytes += n;
    this.check();
  }

  private check(): void {
    const frame = this.frame;
    if (!frame || this.frameBytes < 2) return;
    const declared = frame.readUInt16BE(0);
    const failure =
      declared < 2 + 8
        ? `SMP frame declares ${declared} bytes, fewer than a header and CRC`
        : declared - 2 > this.maxPacket
          ? `SMP frame of ${declared - 2} bytes exceeds the ${this.maxPacket}-byte limit`
          : this.frameBytes - 2 > declared
            ? `SMP frame carries ${this.frameBytes - 2} bytes, its length field says ${declared}`
            : undefined;
    if (failure) {
      this.fail(declared - 2 > this.maxPacket ? 'overflow' : 'length', failure);
      return;
    }
    if (this.frameBytes - 2 < declared) {
      if (frame.length < declared + 2) {
        this.frame = Buffer.allocUnsafe(declared + 2 + this.lineRoom);
        frame.copy(this.frame, 0, 0, this.frameBytes);
      }
      return;
    }
    const body = frame.subarray(2, 2 + declared);
    this.frame = null;
    this.frameBytes = 0;
    if (crc16xmodem(body) !== 0) {
      this.onError(new SmpFrameError('crc', 'SMP frame CRC mismatch'));
      return;
    }
    this.onPacket(new Uint8Array(body.buffer, body.byteOffset, body.length - 2));
  }

  private fail(kind: SmpFrameErrorKind, message: string): void {
    this.discarding = true;
    this.frame = null;
    this.frameBytes = 0;
    this.onError(new SmpFrameError(kind, message));
  }
}
