/**
 * Images too big for one RPC message arrive in chunks (the headless host caps a WebSocket
 * message at 1 MiB). Chunks must come in order and fill exactly the announced size; a few
 * uploads may be open at once and one left idle is dropped, so an abandoned upload cannot
 * hold memory for long.
 */
import { randomUUID } from 'node:crypto';
import { RpcError } from '../../../common/protocol';

const MAX_OPEN = 4;
const IDLE_MS = 10 * 60_000;

interface Upload {
  fileName: string;
  size: number;
  /** kept as they came: memory grows with what was sent, not with the size announced */
  chunks: Uint8Array[];
  received: number;
  touchedAt: number;
}

export class FirmwareUploads {
  private readonly open = new Map<string, Upload>();

  constructor(private readonly now: () => number = Date.now) {}

  begin(fileName: string, size: number): string {
    this.expire();
    if (this.open.size >= MAX_OPEN) {
      // the least recently used one goes: a stuck tab must not block every later import
      const oldest = [...this.open.entries()].sort((a, b) => a[1].touchedAt - b[1].touchedAt)[0];
      if (oldest) this.open.delete(oldest[0]);
    }
    const id = randomUUID();
    this.open.set(id, { fileName, size, chunks: [], received: 0, touchedAt: this.now() });
    return id;
  }

  chunk(id: string, offset: number, data: Uint8Array): number {
    const upload = this.get(id);
    if (offset !== upload.received) {
      throw new RpcError(
        'INVALID_PARAMS',
        `chunk at byte ${offset} is out of order: the upload has ${upload.received} bytes, send from there`,
        { received: upload.received },
      );
    }
    if (offset + data.length > upload.size) {
      throw new RpcError(
        'INVALID_PARAMS',
        `chunk runs past the announced size (${offset + data.length} > ${upload.size} bytes)`,
      );
    }
    upload.chunks.push(data);
    upload.received += data.length;
    upload.touchedAt = this.now();
    return upload.received;
  }

  /** The whole file, once every byte came; the upload is closed either way. */
  finish(id: string): { fileName: string; bytes: Uint8Array } {
    const upload = this.get(id);
    this.open.delete(id);
    if (upload.received !== upload.size) {
      throw new RpcError(
        'INVALID_PARAMS',
        `the upload is incomplete: ${upload.received} of ${upload.size} bytes arrived`,
      );
    }
    const bytes = new Uint8Array(upload.size);
    let at = 0;
    for (const chunk of upload.chunks) {
      bytes.set(chunk, at);
      at += chunk.length;
    }
    return { fileName: upload.fileName, bytes };
  }

  private get(id: string): Upload {
    this.expire();
    const upload = this.open.get(id);
    if (!upload) {
      throw new RpcError(
        'NOT_FOUND',
        'no such upload (it finished, or was idle too long): start the import again',
      );
    }
    return upload;
  }

  private expire(): void {
    const cutoff = this.now() - IDLE_MS;
    for (const [id, upload] of this.open) if (upload.touchedAt < cutoff) this.open.delete(id);
  }
}
