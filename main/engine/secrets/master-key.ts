/**
 * Where the engine's master key comes from. The engine never imports electron, so the two
 * hosts hand it over differently:
 *
 * - Desktop: the Electron main process keeps the 32 key bytes encrypted with
 *   `safeStorage.encryptString` in its userData folder, decrypts them at start and passes
 *   them to the engine utilityProcess in its start message (base64 over the MessagePort,
 *   never on the command line or in an environment variable, which other local processes
 *   can read). The engine calls `masterKeyFromBytes(Buffer.from(b64, 'base64'))`.
 * - Headless and tests: `loadOrCreateMasterKeyFile(dataDir)` keeps the key in
 *   `<dataDir>/master.key`, mode 0600, the same protection ssh gives a private key.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';

export const MASTER_KEY_BYTES = 32;
export const MASTER_KEY_FILE = 'master.key';

export class MasterKeyError extends Error {}

/** The key bytes behind an object that prints as a placeholder, so a stray log line or JSON dump never leaks it. */
export class MasterKey {
  readonly #bytes: Buffer;

  constructor(bytes: Uint8Array) {
    if (bytes.length !== MASTER_KEY_BYTES) {
      throw new MasterKeyError(`a master key is ${MASTER_KEY_BYTES} bytes, got ${bytes.length}`);
    }
    this.#bytes = Buffer.from(bytes);
  }

  /** A copy, so a caller that zeroes or reuses its buffer cannot change the key. */
  bytes(): Buffer {
    return Buffer.from(this.#bytes);
  }

  toJSON(): string {
    return '[master key]';
  }

  toString(): string {
    return '[master key]';
  }

  [inspect.custom](): string {
    return '[master key]';
  }
}

/** Desktop host: the bytes the Electron main process decrypted with safeStorage. */
export function masterKeyFromBytes(bytes: Uint8Array): MasterKey {
  return new MasterKey(bytes);
}

/** Headless host and tests: reads `<dataDir>/master.key`, creating it (0600) on first start. */
export function loadOrCreateMasterKeyFile(dataDir: string): MasterKey {
  const file = path.join(dataDir, MASTER_KEY_FILE);
  try {
    return readKeyFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  createKeyFile(file);
  return readKeyFile(file);
}

function readKeyFile(file: string): MasterKey {
  const stat = statSync(file);
  if (!stat.isFile()) throw new MasterKeyError(`${file} is not a regular file`);
  // Windows has no POSIX modes; there the folder's ACL is what protects the key
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
    const mode = (stat.mode & 0o777).toString(8).padStart(3, '0');
    throw new MasterKeyError(
      `the master key file ${file} is readable by other users (mode ${mode}); ` +
        `refusing to use it. Fix it with \`chmod 600 ${file}\` and check nobody copied it.`,
    );
  }
  const text = readFileSync(file, 'utf8').trim();
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== MASTER_KEY_BYTES || bytes.toString('base64') !== text) {
    throw new MasterKeyError(`${file} does not hold a ${MASTER_KEY_BYTES}-byte base64 key`);
  }
  return new MasterKey(bytes);
}

/**
 * Written to a temporary file and linked into place: link fails if the name exists, so two
 * processes starting at once agree on one key, and a crash mid-write never leaves a
 * truncated key behind under the real name.
 */
function createKeyFile(file: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, `${randomBytes(MASTER_KEY_BYTES).toString('base64')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temp);
  }
}
