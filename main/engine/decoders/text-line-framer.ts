/**
 * Like LineFramer, but decodes each chunk to text once (streaming UTF-8, so a character
 * split across chunks is kept whole) and splits the text, instead of decoding line by
 * line: several times faster on a busy port. 0x0A never occurs inside a UTF-8 sequence,
 * so the lines are the same as LineFramer's. The limit is in UTF-16 units, which never
 * exceed the byte count, so memory stays bounded the same way.
 */
import type { FramedLines } from './line-framer';

export class TextLineFramer {
  private pending = '';
  private discarding = false;
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });

  constructor(private readonly maxLineChars = 64 * 1024) {}

  push(chunk: Uint8Array): FramedLines {
    const text = this.decoder.decode(chunk, { stream: true });
    const lines: string[] = [];
    let overlong = 0;
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      if (this.discarding) {
        this.discarding = false;
      } else if (this.pending.length + (nl - start) > this.maxLineChars) {
        overlong++;
      } else {
        let line = this.pending.length === 0 ? text.slice(start, nl) : this.pending + text.slice(start, nl);
        if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
        lines.push(line);
      }
      this.pending = '';
      start = nl + 1;
    }
    if (start < text.length && !this.discarding) {
      if (this.pending.length + (text.length - start) > this.maxLineChars) {
        overlong++;
        this.discarding = true;
        this.pending = '';
      } else {
        this.pending += text.slice(start);
      }
    }
    return { lines, overlong };
  }
}
