/**
 * SLIP framing (RFC 1055): END (0xC0) delimits frames, ESC (0xDB) escapes END and ESC
 * inside them. Senders usually put END before and after each frame, so empty frames
 * are skipped. An invalid escape or an over-long frame drops the frame and is counted.
 */
import type { FramedFrames } from './cobs';

export const SLIP_END = 0xc0;
export const SLIP_ESC = 0xdb;
export const SLIP_ESC_END = 0xdc;
export const SLIP_ESC_ESC = 0xdd;

/** SLIP-encodes `data` with END before and after. */
export function slipEncode(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length * 2 + 2);
  let o = 0;
  out[o++] = SLIP_END;
  for (let i = 0; i < data.length; i++) {
    const byte = data[i]!;
    if (byte === SLIP_END) {
      out[o++] = SLIP_ESC;
      out[o++] = SLIP_ESC_END;
    } else if (byte === SLIP_ESC) {
      out[o++] = SLIP_ESC;
      out[o++] = SLIP_ESC_ESC;
    } else {
      out[o++] = byte;
    }
  }
  out[o++] = SLIP_END;
  return out.subarray(0, o);
}

export class SlipFramer {
  private readonly buffer: Uint8Array;
  private length = 0;
  private escaped = false;
  /** the current frame is broken (bad escape or too long); drop it at the next END */
  private broken = false;

  constructor(private readonly maxFrameBytes = 4096) {
    this.buffer = new Uint8Array(maxFrameBytes);
  }

  push(chunk: Uint8Array): FramedFrames {
    const frames: Uint8Array[] = [];
    let errors = 0;
    for (let i = 0; i < chunk.length; i++) {
      let byte = chunk[i]!;
      if (byte === SLIP_END) {
        if (this.broken) errors++;
        else if (this.escaped) errors++;
        else if (this.length > 0) frames.push(this.buffer.slice(0, this.length));
        this.length = 0;
        this.escaped = false;
        this.broken = false;
        continue;
      }
      if (this.broken) continue;
      if (this.escaped) {
        this.escaped = false;
        if (byte === SLIP_ESC_END) byte = SLIP_END;
        else if (byte === SLIP_ESC_ESC) byte = SLIP_ESC;
        else {
          this.broken = true;
          continue;
        }
      } else if (byte === SLIP_ESC) {
        this.escaped = true;
        continue;
      }
      if (this.length >= this.maxFrameBytes) {
        this.broken = true;
        this.length = 0;
        continue;
      }
      this.buffer[this.length++] = byte;
    }
    return { frames, errors };
  }
}
