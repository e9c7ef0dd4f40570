import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => ({}));

import { loadOrCreateMasterKeyFile, MASTER_KEY_FILE } from '../engine/secrets/master-key';
import { tempDataDir } from '../engine/store/test-fixtures';
import {
  DESKTOP_KEY_FILE,
  DesktopMasterKeyError,
  type DesktopMasterKeyOptions,
  engineStartFor,
  resolveDesktopMasterKey,
  type SafeStorageLike,
} from './desktop-master-key';

/**
 * Stands in for Electron's safeStorage (the Electron binary is not available in tests): a
 * real AES-GCM seal under a per-"keyring" key, so another keyring cannot open it.
 */
class FakeSafeStorage implements SafeStorageLike {
  readonly keyring = randomBytes(32);
  constructor(
    private readonly available = true,
    private readonly backend?: string,
  ) {}
  isEncryptionAvailable() {
    return this.available;
  }
  getSelectedStorageBackend() {
    return this.backend ?? 'gnome_libsecret';
  }
  encryptString(plain: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keyring, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }
  decryptString(sealed: Buffer): string {
    const decipher = createDecipheriv('aes-256-gcm', this.keyring, sealed.subarray(0, 12));
    decipher.setAuthTag(sealed.subarray(12, 28));
    return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
  }
}

function folders() {
  const root = tempDataDir('desktop-key');
  const userDataDir = path.join(root, 'userData');
  mkdirSync(userDataDir);
  return { userDataDir, dataDir: path.join(userDataDir, 'data') };
}

function options(
  safeStorage: SafeStorageLike,
  dirs: ReturnType<typeof folders>,
  platform: NodeJS.Platform = 'linux',
): DesktopMasterKeyOptions {
  return { safeStorage, platform, ...dirs };
}

describe('desktop master key (Electron safeStorage, stubbed)', () => {
  it('creates 32 random bytes sealed by safeStorage in userData, 0600, and opens the same key next start', () => {
    const dirs = folders();
    const storage = new FakeSafeStorage();
    const first = resolveDesktopMasterKey(options(storage, dirs));
    expect(first).toMatchObject({
      kind: 'safeStorage',
      protection: 'Electron safeStorage (gnome_libsecret)',
    });
    if (first.kind !== 'safeStorage') throw new Error('unreachable');
    expect(Buffer.from(first.masterKey, 'base64')).toHaveLength(32);
    const file = path.join(dirs.userDataDir, DESKTOP_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file).includes(Buffer.from(first.masterKey))).toBe(false);
    expect(resolveDesktopMasterKey(options(storage, dirs))).toEqual(first);
    expect(resolveDesktopMasterKey(options(storage, dirs, 'darwin'))).toMatchObject({
      protection: 'Electron safeStorage (Keychain)',
    });
  });

  it('refuses to start when safeStorage is unavailable, naming the reason', () => {
    for (const platform of ['darwin', 'win32', 'linux'] as const) {
      const dirs = folders();
      expect(() => resolveDesktopMasterKey(options(new FakeSafeStorage(false), dirs, platform))).toThrow(
        DesktopMasterKeyError,
      );
      expect(() => resolveDesktopMasterKey(options(new FakeSafeStorage(false), dirs, platform))).toThrow(
        /no encryption/,
      );
      expect(existsSync(path.join(dirs.userDataDir, DESKTOP_KEY_FILE))).toBe(false);
    }
  });

  it('Linux basic_text: falls back to the 0600 key file with a visible warning, never a basic_text blob', () => {
    const dirs = folders();
    const storage = new FakeSafeStorage(true, 'basic_text');
    const first = resolveDesktopMasterKey(options(storage, dirs));
    expect(first).toMatchObject({ kind: 'keyFile', firstUse: true });
    if (first.kind !== 'keyFile') throw new Error('unreachable');
    expect(first.protection).toMatch(
      /key file .*master\.key \(0600\); no system keyring \(safeStorage backend basic_text\)/,
    );
    expect(first.warning).toMatch(/No system keyring/);
    expect(existsSync(path.join(dirs.userDataDir, DESKTOP_KEY_FILE))).toBe(false);
    // the engine creates the file; the next start knows it is not new
    loadOrCreateMasterKeyFile(dirs.dataDir);
    expect(resolveDesktopMasterKey(options(storage, dirs))).toMatchObject({
      kind: 'keyFile',
      firstUse: false,
    });
  });

  it('moves an existing key file under the keyring once one is available, keeping the same key', () => {
    const dirs = folders();
    const old = loadOrCreateMasterKeyFile(dirs.dataDir).bytes().toString('base64');
    const moved = resolveDesktopMasterKey(options(new FakeSafeStorage(), dirs));
    expect(moved).toMatchObject({ kind: 'safeStorage', masterKey: old });
    expect(existsSync(path.join(dirs.dataDir, MASTER_KEY_FILE))).toBe(false);
  });

  it('refuses (never replaces) a sealed key the keyring cannot open now, or a damaged one', () => {
    const dirs = folders();
    resolveDesktopMasterKey(options(new FakeSafeStorage(), dirs));
    const file = path.join(dirs.userDataDir, DESKTOP_KEY_FILE);
    const before = readFileSync(file);
    // the keyring went away this session (backend fell back to basic_text)
    expect(() => resolveDesktopMasterKey(options(new FakeSafeStorage(true, 'basic_text'), dirs))).toThrow(
      /keyring, which is not available now \(safeStorage backend: basic_text\)/,
    );
    // another keyring (another user, a reset keyring)
    expect(() => resolveDesktopMasterKey(options(new FakeSafeStorage(), dirs))).toThrow(
      /could not be decrypted/,
    );
    expect(readFileSync(file).equals(before)).toBe(true);
    // a keyring that opens it, but the content is not a key
    const storage = new FakeSafeStorage();
    writeFileSync(file, storage.encryptString('not a key'));
    expect(() => resolveDesktopMasterKey(options(storage, dirs))).toThrow(/damaged/);
  });

  it('puts the key in the engine start message only when safeStorage holds it', () => {
    expect(engineStartFor({ kind: 'safeStorage', masterKey: 'k', protection: 'p' })).toEqual({
      masterKey: 'k',
      masterKeyProtection: 'p',
    });
    expect(engineStartFor({ kind: 'keyFile', protection: 'file', warning: 'w', firstUse: false })).toEqual({
      masterKeyProtection: 'file',
    });
  });
});
