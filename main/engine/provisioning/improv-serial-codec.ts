/**
 * Improv Serial framing (https://www.improv-wifi.com/serial/) and the byte-stream splitter
 * that separates Improv frames from the text lines that share the same UART: ESPHome-class
 * firmware prints its log there, and Fieldline's configuration protocol travels there as
 * lines too (config-protocol.ts).
 *
 *   "IMPROV" | version 0x01 | type | length | data[length] | checksum | (newline)
 *
 * The checksum is the low byte of the sum of every byte before it. Real devices (ESPHome)
 * and the reference client both append a newline after the checksum, so a terminal shows
 * one frame per line; the splitter accepts frames with or without it.
 *
 * The splitter is the first thing to touch bytes from a device, so it treats them as
 * hostile: it never throws, resynchronises after garbage one byte at a time, holds at most
 * one partial frame (265 bytes) and one partial line (maxLineBytes), and reports overlong
 * lines instead of growing.
 */
import { sum8 } from './improv-protocol';

export const IMPROV_MAGIC = Uint8Array.from([0x49, 0x4d, 0x50, 0x52, 0x4f, 0x56]); // "IMPROV"
export const IMPROV_SERIAL_VERSION = 0x01;

export const ImprovPacketType = {
  currentState: 0x01,
  errorState: 0x02,
  rpcCommand: 0x03,
  rpcResult: 0x04,
} as const;

const HEADER = 9; // magic + version + type + length
const MAX_FRAME = HEADER + 255 + 1;
const NEWLINE = 0x0a;

export interface ImprovFrame {
  type: number;
  data: Uint8Array;
}

/** A complete frame, checksum and (by default) the trailing newline real devices send. */
export function encodeImprovFrame(type: number, data: Uint8Array, newline = true): Uint8Array {
  if (data.length > 255) throw new RangeError('Improv frame data is at most 255 bytes');
  const out = new Uint8Array(HEADER + data.length + 1 + (newline ? 1 : 0));
  out.set(IMPROV_MAGIC, 0);
  out[6] = IMPROV_SERIAL_VERSION;
  out[7] = type;
  out[8] = data.length;
  out.set(data, HEADER);
  out[HEADER + data.length] = sum8(out, HEADER + data.length);
  if (newline) out[out.length - 1] = NEWLINE;
  return out;
}

export type StreamEvent =
  | { kind: 'frame'; frame: ImprovFrame }
  /** one text line without its line ending, decoded as UTF-8 (invalid bytes become U+FFFD) */
  | { kind: 'line'; text: string }
  /** a line longer than maxLineBytes was dropped; `bytes` is how many were discarded */
  | { kind: 'overflow'; bytes: number };

export interface StreamSplitterOptions {
  /** longest text line kept; longer ones are dropped up to the next newline. Default 16 KiB + 64 */
  maxLineBytes?: number;
  /**
   * A complete frame whose checksum is wrong, with its packet type. The Improv SDK answers
   * such a frame with error state 0x01 (invalid RPC) rather than ignoring it; a client counts
   * it as a garbled answer rather than silence.
   */
  onBadChecksum?: (type: number) => void;
}

export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 + 64;

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * Feeds bytes in, calls `emit` for every frame and line found. Frames may sit anywhere,
 * even inside a line of log text: the text around them is kept as one line.
 */
export class SerialStreamSplitter {
  private pending: Uint8Array = new Uint8Array(0);
  private readonly line: Uint8Array;
  private lineLength = 0;
  /** bytes dropped from the current (overlong) line; 0 while the line fits */
  private dropping = 0;
  /** a frame just ended: a newline right after it belongs to the frame */
  private afterFrame = false;
  /** counters for diagnostics and tests */
  readonly stats = { frames: 0, lines: 0, badFrames: 0, overflows: 0, bytes: 0 };

  private readonly onBadChecksum: ((type: number) => void) | undefined;

  constructor(
    private readonly emit: (event: StreamEvent) => void,
    options: StreamSplitterOptions = {},
  ) {
    this.line = new Uint8Array(Math.max(16, options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES));
    this.onBadChecksum = options.onBadChecksum;
  }

  push(chunk: Uint8Array): void {
    this.stats.bytes += chunk.length;
    this.scan(chunk, false);
  }

  /**
   * The line went quiet. Bytes held because they might start a frame (a header whose length
   * byte was garbage waits for up to 265 bytes) are now taken for what they are, so a
   * bogus header cannot hold back the frames behind it. Call after ~100 ms of silence.
   */
  idle(): void {
    if (this.pending.length > 0) this.scan(new Uint8Array(0), true);
  }

  /** Ends the stream: whatever is held is delivered, a partial line too (a device that died mid-line). */
  flush(): void {
    this.idle();
    if (this.lineLength > 0 || this.dropping > 0) this.endLine();
  }

  private scan(chunk: Uint8Array, final: boolean): void {
    let buf: Uint8Array;
    if (this.pending.length === 0) buf = chunk;
    else {
      buf = new Uint8Array(this.pending.length + chunk.length);
      buf.set(this.pending, 0);
      buf.set(chunk, this.pending.length);
    }
    this.pending = new Uint8Array(0);
    let i = 0;
    while (i < buf.length) {
      const b = buf[i]!;
      if (b === 0x49) {
        const r = this.tryFrame(buf, i, final);
        if (r === 'incomplete') {
          this.pending = buf.slice(i);
          return;
        }
        if (r > 0) {
          i += r;
          this.afterFrame = true;
          continue;
        }
      }
      if (b === NEWLINE) {
        // the newline a device sends after a frame belongs to the frame, even mid-line
        if (this.afterFrame) this.afterFrame = false;
        else this.endLine();
        i++;
        continue;
      }
      this.afterFrame = false;
      this.appendByte(b);
      i++;
    }
  }

  /** bytes held while waiting for the rest of a frame or line, for memory bounds in tests */
  bufferedBytes(): number {
    return this.pending.length + this.lineLength;
  }

  /** length of the frame at `at`, 0 when it is not a frame, 'incomplete' when more bytes are needed */
  private tryFrame(buf: Uint8Array, at: number, final: boolean): number | 'incomplete' {
    const r = this.frameAt(buf, at);
    return r === 'incomplete' && final ? 0 : r;
  }

  private frameAt(buf: Uint8Array, at: number): number | 'incomplete' {
    const available = buf.length - at;
    for (let k = 1; k < IMPROV_MAGIC.length; k++) {
      if (k >= available) return 'incomplete';
      if (buf[at + k] !== IMPROV_MAGIC[k]) return 0;
    }
    if (available <= 6) return 'incomplete';
    if (buf[at + 6] !== IMPROV_SERIAL_VERSION) return this.bad();
    if (available <= 7) return 'incomplete';
    const type = buf[at + 7]!;
    if (type < 0x01 || type > 0x04) return this.bad();
    if (available <= 8) return 'incomplete';
    const len = buf[at + 8]!;
    const total = HEADER + len + 1;
    if (available < total) return total <= MAX_FRAME ? 'incomplete' : 0;
    const frame = buf.subarray(at, at + total);
    if (sum8(frame, total - 1) !== frame[total - 1]) {
      try {
        this.onBadChecksum?.(type);
      } catch {
        // a listener's failure must not stop the stream
      }
      return this.bad();
    }
    this.stats.frames++;
    try {
      this.emit({
        kind: 'frame',
        frame: { type, data: new Uint8Array(frame.subarray(HEADER, HEADER + len)) },
      });
    } catch {
      // a listener's failure must not stop the stream
    }
    return total;
  }

  private bad(): 0 {
    this.stats.badFrames++;
    return 0;
  }

  private appendByte(b: number): void {
    if (this.dropping > 0) {
      this.dropping++;
      return;
    }
    if (this.lineLength >= this.line.length) {
      this.dropping = this.lineLength + 1;
      this.lineLength = 0;
      return;
    }
    this.line[this.lineLength++] = b;
  }

  private endLine(): void {
    let event: StreamEvent | undefined;
    if (this.dropping > 0) {
      this.stats.overflows++;
      event = { kind: 'overflow', bytes: this.dropping };
    } else {
      let end = this.lineLength;
      if (end > 0 && this.line[end - 1] === 0x0d) end--;
      if (end > 0) {
        this.stats.lines++;
        event = { kind: 'line', text: utf8.decode(this.line.subarray(0, end)) };
      }
    }
    this.dropping = 0;
    this.lineLength = 0;
    this.afterFrame = false;
    if (!event) return;
    try {
      this.emit(event);
    } catch {
      // a listener's failure must not stop the stream
    }
  }
}
