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

const CRC_TABLE = (() => {
  const t = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n << 8;
    for (let i = 0; i < 8; i++) c = c & 0x8000 ? (c << 1) ^ 0x1021 : c << 1;
    t[n] = c & 0xffff;
  }
  return t;
})();

export function crc16xmodem(bytes: Uint8Array, crc = 0): number {
  let c = crc;
  for (let i = 0; i < bytes.length; i++)
    c = ((c << 8) ^ (CRC_TABLE[((c >> 8) ^ (bytes[i] as number)) & 0xff] as number)) & 0xffff;
  return c;
}

export function encodeSerialFrame(packet: Uint8Array): Uint8Array {
  if (packet.length + 2 > 0xffff)
    throw new RangeError(`SMP packet of ${packet.length} bytes is too long for a serial frame`);
  const payload = Buffer.alloc(packet.length + 4);
  payload.writeUInt16BE(packet.length + 2, 0);
  payload.set(packet, 2);
  payload.writeUInt16BE(crc16xmodem(packet), packet.length + 2);
  const text = payload.toString('base64');
  const lines: Buffer[] = [];
  for (let at = 0; at < text.length; at += BASE64_PER_LINE) {
    const marker = at === 0 ? FRAME_START : FRAME_CONTINUATION;
    lines.push(
      Buffer.from(marker),
      Buffer.from(text.slice(at, at + BASE64_PER_LINE), 'latin1'),
      Buffer.of(0x0a),
    );
  }
  return new Uint8Array(Buffer.concat(lines));
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

const BASE64_LINE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Reassembles SMP packets from a byte stream. Never throws on input: malformed frames
 * are reported through `onError` and dropped, the decoder resynchronises on the next
 * start marker. Memory is bounded by `maxLineBytes` and `maxPacket`.
 */
export class SerialFrameDecoder {
  private line: Buffer[] = [];
  private lineBytes = 0;
  private skipping = false;
  private frame: Buffer[] | null = null;
  private frameBytes = 0;
  /** the rest of a dropped frame: its continuation lines are skipped without further errors */
  private discarding = false;
  private readonly maxPacket: number;
  private readonly maxLineBytes: number;

  constructor(
    private readonly onPacket: (packet: Uint8Array) => void,
    private readonly onError: (error: SmpFrameError) => void = () => {},
    options: SerialFrameDecoderOptions = {},
  ) {
    this.maxPacket = options.maxPacket ?? 0xfffd;
    this.maxLineBytes = options.maxLineBytes ?? 4096;
  }

  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      const nl = chunk.indexOf(0x0a, at);
      const end = nl < 0 ? chunk.length : nl;
      if (!this.skipping) {
        if (this.lineBytes + end - at > this.maxLineBytes) {
          this.skipping = true;
          this.line = [];
          this.lineBytes = 0;
        } else if (end > at) {
          this.line.push(Buffer.from(chunk.subarray(at, end)));
          this.lineBytes += end - at;
        }
      }
      if (nl < 0) return;
      if (!this.skipping) this.finishLine(Buffer.concat(this.line));
      this.line = [];
      this.lineBytes = 0;
      this.skipping = false;
      at = nl + 1;
    }
  }

  private finishLine(whole: Buffer): void {
    const line = whole.length > 0 && whole[whole.length - 1] === 0x0d ? whole.subarray(0, -1) : whole;
    if (line.length < 2) return;
    const start = line[0] === FRAME_START[0] && line[1] === FRAME_START[1];
    const cont = line[0] === FRAME_CONTINUATION[0] && line[1] === FRAME_CONTINUATION[1];
    if (!start && !cont) return; // a log line sharing the UART
    if (start) {
      if (this.frame) this.fail('length', 'a new SMP frame started before the previous one was complete');
      this.frame = [];
      this.frameBytes = 0;
      this.discarding = false;
    } else if (!this.frame) {
      if (this.discarding) return;
      this.onError(new SmpFrameError('continuation', 'SMP continuation line without a start line'));
      return;
    }
    const text = line.toString('latin1', 2);
    if (!BASE64_LINE.test(text)) {
      this.fail('base64', 'SMP frame line is not valid base64');
      return;
    }
    const bytes = Buffer.from(text, 'base64');
    this.frame?.push(bytes);
    this.frameBytes += bytes.length;
    this.check();
  }

  private check(): void {
    const frame = this.frame;
    if (!frame || this.frameBytes < 2) return;
    if ((frame[0] as Buffer).length < 2) frame.splice(0, frame.length, Buffer.concat(frame));
    const declared = (frame[0] as Buffer).readUInt16BE(0);
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
    if (this.frameBytes - 2 < declared) return;
    const body = Buffer.concat(frame).subarray(2);
    this.frame = null;
    this.frameBytes = 0;
    if (crc16xmodem(body) !== 0) {
      this.onError(new SmpFrameError('crc', 'SMP frame CRC mismatch'));
      return;
    }
    this.onPacket(new Uint8Array(body.subarray(0, body.length - 2)));
  }

  private fail(kind: SmpFrameErrorKind, message: string): void {
    this.discarding = true;
    this.frame = null;
    this.frameBytes = 0;
    this.onError(new SmpFrameError(kind, message));
  }
}
