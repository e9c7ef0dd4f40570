/**
 * Splits a byte stream into text lines (LF or CRLF). Serial links deliver arbitrary
 * chunks, so a line may arrive in pieces; a device that never sends a newline must not
 * make us buffer forever, so an over-long line is dropped and counted, and framing
 * resumes at the next newline.
 */
const NEWLINE = 0x0a;
const CR = 0x0d;

export interface FramedLines {
  lines: string[];
  /** lines dropped for exceeding the limit since the last call */
  overlong: number;
}

export class LineFramer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private discarding = false;
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });

  constructor(private readonly maxLineBytes = 64 * 1024) {}

  push(chunk: Uint8Array): FramedLines {
    const lines: string[] = [];
    let overlong = 0;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl < 0) break;
      const piece = chunk.subarray(start, nl);
      if (this.discarding) {
        this.discarding = false;
      } else if (this.pendingBytes + piece.length > this.maxLineBytes) {
        overlong++;
      } else {
        const whole =
          this.pending.length === 0
            ? piece
            : Buffer.concat([...this.pending, piece], this.pendingBytes + piece.length);
        const end = whole.length > 0 && whole[whole.length - 1] === CR ? whole.length - 1 : whole.length;
        lines.push(this.decoder.decode(whole.subarray(0, end)));
      }
      this.pending = [];
      this.pendingBytes = 0;
      start = nl + 1;
    }
    if (start < chunk.length && !this.discarding) {
      const rest = chunk.subarray(start);
      if (this.pendingBytes + rest.length > this.maxLineBytes) {
        overlong++;
        this.discarding = true;
        this.pending = [];
        this.pendingBytes = 0;
      } else {
        // copy: the caller may reuse its buffer
        this.pending.push(Buffer.from(rest));
        this.pendingBytes += rest.length;
      }
    }
    return { lines, overlong };
  }
}
