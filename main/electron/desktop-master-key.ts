/**
 * The desktop's master key (it seals the CA key, device PSKs and broker passwords): 32
 * random bytes encrypted with Electron's safeStorage (macOS Keychain, Windows DPAPI, the
 * Linux Secret Service or KWallet) in `<userData>/master-key.bin`, decrypted here and handed
 * to the engine in its start message.
 *
 * Linux without a keyring: safeStorage then reports the `basic_text` backend, which
 * "encrypts" with a password hard-coded in Chromium, so anyone who can read the file can
 * read the key. Refusing to start would lock out plant PCs and kiosks that run no desktop
 * keyring, so Fieldline falls back to what the headless host does, a 0600 key file in the
 * data folder, and says so: a warning dialog when that file is first made, a log line at
 * every start, and the protection string shown in the Credentials panel. It never writes
 * a basic_text blob that would claim a protection it does not give.
 *
 * Where safeStorage is not available at all (macOS/Windows failures, Linux before the
 * backend is known) the engine is not started: the caller shows `DesktopMasterKeyError`.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { loadOrCreateMasterKeyFile, MASTER_KEY_BYTES, MASTER_KEY_FILE } from '../engine/secrets/master-key';

export const DESKTOP_KEY_FILE = 'master-key.bin';

/** The part of Electron's safeStorage used here. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only */
  getSelectedStorageBackend?(): string;
}

export interface DesktopMasterKeyOptions {
  safeStorage: SafeStorageLike;
  userDataDir: string;
  /** the engine's data folder, where the 0600 key file lives */
  dataDir: string;
  platform: NodeJS.Platform;
}

export type DesktopMasterKey =
  | { kind: 'safeStorage'; masterKey: string; protection: string }
  /** the engine keeps its own key file; `warning` is for the user, `firstUse` when the file is new */
  | { kind: 'keyFile'; protection: string; warning: string; firstUse: boolean };

export class DesktopMasterKeyError extends Error {}

export function resolveDesktopMasterKey(options: DesktopMasterKeyOptions): DesktopMasterKey {
  const { safeStorage, userDataDir, dataDir, platform } = options;
  const sealedFile = path.join(userDataDir, DESKTOP_KEY_FILE);
  const keyFile = path.join(dataDir, MASTER_KEY_FILE);
  const backend = platform === 'linux' ? (safeStorage.getSelectedStorageBackend?.() ?? 'unknown') : undefined;
  const protection = `Electron safeStorage (${backend ?? (platform === 'darwin' ? 'Keychain' : platform === 'win32' ? 'DPAPI' : platform)})`;
  const available = safeStorage.isEncryptionAvailable();
  const realKeyring = available && backend !== 'basic_text' && backend !== 'unknown';

  if (existsSync(sealedFile)) {
    if (!realKeyring) {
      throw new DesktopMasterKeyError(
        `Fieldline's master key is sealed by the system keyring, which is not available now` +
          `${backend ? ` (safeStorage backend: ${backend})` : ''}. Log in to a desktop session with ` +
          'its keyring unlocked and start Fieldline again; starting without it would lose every stored credential.',
      );
    }
    return { kind: 'safeStorage', masterKey: openSealedKey(safeStorage, sealedFile), protection };
  }

  if (existsSync(keyFile)) {
    if (realKeyring) {
      // an earlier start had no keyring (or predates safeStorage): move the same key under it
      const masterKey = loadOrCreateMasterKeyFile(dataDir).bytes().toString('base64');
      writeSealedKey(safeStorage, sealedFile, masterKey);
      unlinkSync(keyFile);
      return { kind: 'safeStorage', masterKey, protection };
    }
    return keyFileFallback(keyFile, backend, false);
  }

  if (realKeyring) {
    const masterKey = randomBytes(MASTER_KEY_BYTES).toString('base64');
    writeSealedKey(safeStorage, sealedFile, masterKey);
    return { kind: 'safeStorage', masterKey, protection };
  }
  if (platform === 'linux' && backend === 'basic_text') return keyFileFallback(keyFile, backend, true);
  throw new DesktopMasterKeyError(
    'Fieldline cannot protect its stored credentials: the operating system offers no encryption ' +
      `to this app (Electron safeStorage is unavailable${backend ? `, backend ${backend}` : ''}). ` +
      'The engine was not started.',
  );
}

function keyFileFallback(keyFile: string, backend: string | undefined, firstUse: boolean): DesktopMasterKey {
  return {
    kind: 'keyFile',
    protection: `key file ${keyFile} (0600); no system keyring (safeStorage backend ${backend ?? 'unavailable'})`,
    warning:
      'No system keyring (GNOME Keyring, KWallet) is available, so Fieldline keeps its master key in a file ' +
      `readable only by your user account:\n${keyFile}\nAnyone who can log in as you, or read a copy of that ` +
      'folder, can read the stored device credentials. Install and unlock a keyring for stronger protection.',
    firstUse,
  };
}

function openSealedKey(safeStorage: SafeStorageLike, file: string): string {
  let text: string;
  try {
    text = safeStorage.decryptString(readFileSync(file));
  } catch (error) {
    throw new DesktopMasterKeyError(
      `Fieldline's master key (${file}) could not be decrypted by the system keyring: ${(error as Error).message}. ` +
        'It was sealed by another user or machine, or the keyring was reset.',
    );
  }
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== MASTER_KEY_BYTES || bytes.toString('base64') !== text) {
    throw new DesktopMasterKeyError(
      `Fieldline's master key (${file}) is damaged: it does not hold a 32-byte key.`,
    );
  }
  return text;
}

/** Written beside the final name and renamed into place: a crash never leaves half a key. */
function writeSealedKey(safeStorage: SafeStorageLike, file: string, masterKey: string): void {
  const sealed = safeStorage.encryptString(masterKey);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, sealed);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
}

/** The engine's start message fields for this key: the key itself only when safeStorage holds it. */
export function engineStartFor(key: DesktopMasterKey): { masterKey?: string; masterKeyProtection: string } {
  return key.kind === 'safeStorage'
    ? { masterKey: key.masterKey, masterKeyProtection: key.protection }
    : { masterKeyProtection: key.protection };
}
