import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../store/database';
import { openTestDb, silent, tempDataDir } from '../store/test-fixtures';
import {
  loadOrCreateMasterKeyFile,
  MASTER_KEY_FILE,
  MasterKey,
  MasterKeyError,
  masterKeyFromBytes,
} from './master-key';
import { createSecretBox, SecretBoxError } from './secret-box';
import { SecretStore, SecretStoreError } from './secret-store';

const key = (fill: number) => masterKeyFromBytes(Buffer.alloc(32, fill));

describe('master key file (headless host)', () => {
  it('is created 0600 on first start and read back unchanged', () => {
    const dir = tempDataDir('mk');
    const first = loadOrCreateMasterKeyFile(dir);
    const file = path.join(dir, MASTER_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateMasterKeyFile(dir).bytes().equals(first.bytes())).toBe(true);
    expect(first.bytes()).toHaveLength(32);
  });

  it('refuses a key file readable by the group or the world, naming the fix', () => {
    const dir = tempDataDir('mk');
    loadOrCreateMasterKeyFile(dir);
    const file = path.join(dir, MASTER_KEY_FILE);
    for (const mode of [0o640, 0o604, 0o660]) {
      chmodSync(file, mode);
      expect(() => loadOrCreateMasterKeyFile(dir)).toThrow(MasterKeyError);
      expect(() => loadOrCreateMasterKeyFile(dir)).toThrow(/chmod 600/);
    }
    chmodSync(file, 0o600);
    expect(() => loadOrCreateMasterKeyFile(dir)).not.toThrow();
  });

  it('refuses content that is not a 32-byte base64 key, and never overwrites it', () => {
    const dir = tempDataDir('mk');
    const file = path.join(dir, MASTER_KEY_FILE);
    for (const bad of [
      '',
      'not base64 at all!',
      Buffer.alloc(16).toString('base64'),
      `${Buffer.alloc(32).toString('base64')}x`,
    ]) {
      writeFileSync(file, bad, { mode: 0o600 });
      expect(() => loadOrCreateMasterKeyFile(dir)).toThrow(/does not hold a 32-byte base64 key/);
      expect(readFileSync(file, 'utf8')).toBe(bad);
    }
  });

  it('never prints its bytes', () => {
    const k = key(7);
    const text = Buffer.alloc(32, 7).toString('base64');
    expect(`${k}`).toBe('[master key]');
    expect(JSON.stringify({ k })).not.toContain(text);
    expect(inspect(k)).toBe('[master key]');
    expect(() => new MasterKey(Buffer.alloc(31))).toThrow(MasterKeyError);
  });
});

describe('secret box (AES-256-GCM)', () => {
  it('opens what it sealed, with a fresh nonce each time', () => {
    const box = createSecretBox(key(1));
    const a = box.seal('hunter2', 'name');
    const b = box.seal('hunter2', 'name');
    expect(a).not.toBe(b);
    expect(a.startsWith('fl1:')).toBe(true);
    expect(box.openString(a, 'name')).toBe('hunter2');
    expect(box.open(box.seal(new Uint8Array([0, 255, 1]))).equals(Buffer.from([0, 255, 1]))).toBe(true);
  });

  it('refuses a flipped bit anywhere, another master key, other associated data and junk', () => {
    const box = createSecretBox(key(1));
    const sealed = box.seal('the CA key', 'pki.ca.private-key');
    const raw = Buffer.from(sealed.slice(4), 'base64');
    for (let i = 0; i < raw.length; i++) {
      const tampered = Buffer.from(raw);
      tampered[i]! ^= 0x01;
      expect(() => box.open(`fl1:${tampered.toString('base64')}`, 'pki.ca.private-key')).toThrow(
        SecretBoxError,
      );
    }
    expect(() => createSecretBox(key(2)).open(sealed, 'pki.ca.private-key')).toThrow(/another master key/);
    expect(() => box.open(sealed, 'device.x.psk')).toThrow(SecretBoxError);
    expect(() => box.open(sealed)).toThrow(SecretBoxError);
    expect(() => box.open('plaintext')).toThrow(/fl1:/);
    expect(() => box.open('fl1:AAAA')).toThrow(/truncated/);
  });
});

describe('secret store', () => {
  it('keeps only sealed values: the plaintext is nowhere in the database file', () => {
    const { db, dataDir, file } = openTestDb('secrets');
    const store = new SecretStore(db, key(3), silent);
    const plaintext = `super-secret-${'x'.repeat(20)}-marker`;
    store.put('broker.password', plaintext);
    store.put('device.d1.psk', Buffer.from(plaintext));
    expect(store.get('broker.password')).toBe(plaintext);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const bytes = Buffer.concat(
      [file, `${file}-wal`].flatMap((f) => {
        try {
          return [readFileSync(f)];
        } catch {
          return [];
        }
      }),
    );
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes.includes(Buffer.from('broker.password'))).toBe(true);
    expect(bytes.includes(Buffer.from(plaintext))).toBe(false);
    expect(bytes.includes(Buffer.from(plaintext).toString('base64').slice(0, 24))).toBe(false);
    // reopened with the same key: still there
    const again = openDatabase({ dataDir, log: silent });
    expect(new SecretStore(again.db, key(3)).get('broker.password')).toBe(plaintext);
    // with another key: a clear error, never garbage
    expect(() => new SecretStore(again.db, key(4)).get('broker.password')).toThrow(SecretStoreError);
    again.db.close();
  });

  it('binds a value to its name: a sealed value copied to another row does not open', () => {
    const { db } = openTestDb('secrets');
    const store = new SecretStore(db, key(5));
    store.put('a', 'value-a');
    store.put('b', 'value-b');
    db.prepare(
      "UPDATE secrets SET sealed = (SELECT sealed FROM secrets WHERE name = 'a') WHERE name = 'b'",
    ).run();
    expect(() => store.get('b')).toThrow(/cannot open the secret "b"/);
    expect(store.get('a')).toBe('value-a');
  });

  it('lists names by prefix, deletes, and refuses odd names', () => {
    const { db } = openTestDb('secrets');
    const store = new SecretStore(db, key(6));
    store.put('device.a.psk', '1');
    store.put('device.b.psk', '2');
    store.put('pki.ca.private-key', '3');
    expect(store.names('device.')).toEqual(['device.a.psk', 'device.b.psk']);
    expect(store.names('%')).toEqual([]);
    expect(store.delete('device.a.psk')).toBe(true);
    expect(store.delete('device.a.psk')).toBe(false);
    expect(store.has('device.a.psk')).toBe(false);
    expect(store.get('missing')).toBeUndefined();
    for (const bad of ['', 'with space', "x'; DROP TABLE secrets; --", 'a'.repeat(201)]) {
      expect(() => store.put(bad, 'v')).toThrow(SecretStoreError);
    }
  });
});
