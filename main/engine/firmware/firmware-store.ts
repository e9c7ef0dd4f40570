/**
 * Content-addressed firmware file store: each image lives in `<dir>/<sha256>.bin`,
 * named by the SHA-256 of its bytes. Writes go to a temporary file in the same folder,
 * are flushed, then renamed, so a crash leaves either the whole file or no file (plus
 * a temporary that `sweep` removes). Reads re-hash the bytes, so a file damaged on disk
 * is refused instead of being sent to a device. Metadata belongs in SQLite, not here.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type ImageResult, refuse } from './image-refusal';

const ID = /^[0-9a-f]{64}$/;
const TEMP_PREFIX = '.tmp-';

export interface StoredFirmware {
  sha256: string;
  size: number;
  /** True when identical bytes were already stored (nothing was written). */
  existed: boolean;
}

export class FirmwareStore {
  constructor(private readonly dir: string) {}

  pathFor(sha256: string): string | undefined {
    return ID.test(sha256) ? join(this.dir, `${sha256}.bin`) : undefined;
  }

  async put(bytes: Uint8Array): Promise<StoredFirmware> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const target = join(this.dir, `${sha256}.bin`);
    // images can be a customer's firmware: private like the rest of the data folder
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const existing = await this.get(sha256);
    if (existing.ok) return { sha256, size: bytes.length, existed: true };
    const temp = join(this.dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    // rename replaces a damaged file of the same name atomically.
    await rename(temp, target);
    await syncDirectory(this.dir);
    return { sha256, size: bytes.length, existed: false };
  }

  async get(sha256: string): Promise<ImageResult<Uint8Array>> {
    const path = this.pathFor(sha256);
    if (!path) return refuse('invalid-id', `"${sha256.slice(0, 80)}" is not a SHA-256 firmware id`);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        return refuse('not-found', `firmware ${sha256} is not in the store`);
      throw error;
    }
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== sha256) {
      return refuse(
        'hash-mismatch',
        `stored firmware ${sha256} is damaged on disk (its bytes hash to ${actual})`,
      );
    }
    return { ok: true, value: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
  }

  async remove(sha256: string): Promise<void> {
    const path = this.pathFor(sha256);
    if (path) await rm(path, { force: true });
  }

  /** Ids of stored files, by name only (use get to check contents). */
  async list(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names
      .filter((n) => n.endsWith('.bin') && ID.test(n.slice(0, -4)))
      .map((n) => n.slice(0, -4))
      .sort();
  }

  /** Removes temporaries left by a crash mid-write; returns how many. */
  async sweep(): Promise<number> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const temps = names.filter((n) => n.startsWith(TEMP_PREFIX));
    await Promise.all(temps.map((n) => rm(join(this.dir, n), { force: true })));
    return temps.length;
  }

  async size(sha256: string): Promise<number | undefined> {
    const path = this.pathFor(sha256);
    return path
      ? stat(path).then(
          (s) => s.size,
          () => undefined,
        )
      : undefined;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  // Makes the rename itself durable; some platforms cannot open a directory, which is fine.
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    /* best effort */
  }
}
