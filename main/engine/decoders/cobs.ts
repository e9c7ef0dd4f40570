/**
 * Consistent Overhead Byte Stuffing: a frame never contains 0x00, so 0x00 delimits
 * frames on the wire and a receiver that joins mid-stream resynchronises at the next
 * zero. The framer bounds how much it buffers; an over-long frame is dropped and counted.
 */

/** COBS-encodes `data` (without the trailing 0x00 delimiter). */
export function cobsEncode(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length + Math.ceil(data.length / 254) + 1);
  let codeIndex = 0;
  let code = 1;
  let o = 1;
  for (let i = 0; i < data.length; i++) {
    const byte = data[i]!;
    if (byte === 0) {
      out[codeIndex] = code;
      codeIndex = o++;
      code = 1;
    } else {
      out[o++] = byte;
      code++;
      if (code === 0xff) {
        out[codeIndex] = code;
        codeIndex = o++;
        code = 1;
      }
    }
  }
  out[codeIndex] = code;
  return out.subarray(0, o);
}

/** Decodes one COBS frame (delimiter removed); null if it is malformed. */
export function cobsDecode(frame: Uint8Array): Uint8Array | null {
  const out = new Uint8Array(frame.length);
  let o = 0;
  let i = 0;
  while (i < frame.length) {
    const code = frame[i]!;
    if (code === 0) return null;
    const end = i + code;
    if (end > frame.length) return null;
    for (let j = i + 1; j < end; j++) {
      const byte = frame[j]!;
      if (byte === 0) return null;
      out[o++] = byte;
    }
    i = end;
    if (code !== 0xff && i < frame.length) out[o++] = 0;
  }
  return out.subarray(0, o);
}

export interface FramedFrames {
  /** complete frames, still encoded (COBS) or already unescaped (SLIP) */
  frames: Uint8Array[];
  /** frames dropped as over-long or malformed since the last call */
  errors: number;
}

/** Splits a byte stream on 0x00 and COBS-decodes each frame. Empty frames are skipped. */
export class CobsFramer {
  private buffer: Uint8Array;
  private length = 0;
  private discarding = false;

  constructor(private readonly maxFrameBytes = 4096) {
    this.buffer = new Uint8Array(maxFrameBytes);
  }

  push(chunk: Uint8Array): FramedFrames {
    const frames: Uint8Array[] = [];
    let errors = 0;
    let start = 0;
    while (start <= chunk.length) {
      let zero = chunk.indexOf(0, start);
      const complete = zero >= 0;
      if (!complete) zero = chunk.length;
      const piece = zero - start;
      if (!this.discarding) {
        if (this.length + piece > this.maxFrameBytes) {
          errors++;
          this.length = 0;
          this.discarding = true;
        } else {
          this.buffer.set(chunk.subarray(start, zero), this.length);
          this.length += piece;
        }
      }
      if (!complete) break;
      if (this.discarding) {
        this.discarding = false;
      } else if (this.length > 0) {
        const decoded = cobsDecode(this.buffer.subarray(0, this.length));
        if (decoded) frames.push(decoded);
        else errors++;
      }
      this.length = 0;
      start = zero + 1;
    }
    return { frames, errors };
  }
}
