/**
 * Small plumbing shared by the device channel and the simulated device: a listener set,
 * and lines over BLE (the configuration protocol's lines, newline-terminated, cut into
 * writes no larger than the link allows and reassembled from notifications).
 */
import { DEFAULT_MAX_LINE_BYTES } from './improv-serial-codec';

export class Listeners<T extends unknown[]> {
  private readonly set = new Set<(...args: T) => void>();
  add(listener: (...args: T) => void): () => void {
    this.set.add(listener);
    return () => this.set.delete(listener);
  }
  emit(...args: T): void {
    for (const l of [...this.set]) {
      try {
        l(...args);
      } catch {
        // one listener's failure must not hide the event from the others
      }
    }
  }
  clear(): void {
    this.set.clear();
  }
}

/** Cuts a line (newline appended) into chunks of at most `max` bytes. */
export function chunkLine(line: string, max: number): Uint8Array[] {
  const bytes = Buffer.from(`${line}\n`, 'utf8');
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += max)
    out.push(bytes.subarray(at, Math.min(bytes.length, at + max)));
  return out;
}

/**
 * Reassembles newline-terminated lines from chunks. Bounded: a line longer than
 * `maxLineBytes` is dropped (reported through `onOverflow`) up to its newline.
 */
export class LineAssembler {
  private parts: Buffer[] = [];
  private size = 0;
  private dropping = false;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES,
    private readonly onOverflow: (bytes: number) => void = () => {},
  ) {}

  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      const nl = chunk.indexOf(0x0a, at);
      const end = nl < 0 ? chunk.length : nl;
      this.append(chunk.subarray(at, end));
      if (nl < 0) return;
      this.finish();
      at = nl + 1;
    }
  }

  reset(): void {
    this.parts = [];
    this.size = 0;
    this.dropping = false;
  }

  private append(piece: Uint8Array): void {
    if (piece.length === 0) return;
    this.size += piece.length;
    if (this.dropping) return;
    if (this.size > this.maxLineBytes) {
      this.dropping = true;
      this.parts = [];
      return;
    }
    this.parts.push(Buffer.from(piece));
  }

  private finish(): void {
    const { dropping, size } = this;
    const text = dropping ? '' : Buffer.concat(this.parts).toString('utf8').replace(/\r$/, '');
    this.reset();
    if (dropping) this.onOverflow(size);
    else if (text.length > 0) this.onLine(text);
  }
}
