import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nativeBindingFileName, sqliteNativeBinding } from './native-binding';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'fieldline-native-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function place(dir: string, name: string): string {
  mkdirSync(path.join(dir, '.native'), { recursive: true });
  const file = path.join(dir, '.native', name);
  writeFileSync(file, '');
  return file;
}

const node = { env: {}, versions: { modules: '115' } };
const electron = { env: {}, versions: { modules: '150', electron: '45.4.1' } };

describe('sqliteNativeBinding', () => {
  it('names the binary by runtime and ABI', () => {
    expect(nativeBindingFileName(node.versions)).toBe('better_sqlite3-node-abi115.node');
    expect(nativeBindingFileName(electron.versions)).toBe('better_sqlite3-electron-abi150.node');
  });

  it('walks up from the start folder to the .native build for this runtime', () => {
    const nodeBuild = place(root, 'better_sqlite3-node-abi115.node');
    const electronBuild = place(root, 'better_sqlite3-electron-abi150.node');
    const deep = path.join(root, 'out', 'main');
    mkdirSync(deep, { recursive: true });
    expect(sqliteNativeBinding(deep, node)).toBe(nodeBuild);
    expect(sqliteNativeBinding(deep, electron)).toBe(electronBuild);
  });

  it('takes the nearest .native folder', () => {
    place(root, 'better_sqlite3-node-abi115.node');
    const inner = path.join(root, 'inner');
    const nearer = place(inner, 'better_sqlite3-node-abi115.node');
    expect(sqliteNativeBinding(path.join(inner, 'x'), node)).toBe(nearer);
  });

  it('is undefined when only another ABI or runtime was built', () => {
    place(root, 'better_sqlite3-node-abi108.node');
    place(root, 'better_sqlite3-electron-abi115.node');
    expect(sqliteNativeBinding(root, node)).toBeUndefined();
    expect(
      sqliteNativeBinding(root, { env: {}, versions: { modules: '108', electron: '30.0.0' } }),
    ).toBeUndefined();
  });

  it('FIELDLINE_SQLITE_BINDING wins over anything found', () => {
    place(root, 'better_sqlite3-node-abi115.node');
    const chosen = path.join(root, 'custom.node');
    expect(sqliteNativeBinding(root, { ...node, env: { FIELDLINE_SQLITE_BINDING: chosen } })).toBe(chosen);
  });

  it('defaults to this process: finds the build for the Node running the tests when present', () => {
    const file = place(root, `better_sqlite3-node-abi${process.versions.modules}.node`);
    const saved = process.env.FIELDLINE_SQLITE_BINDING;
    delete process.env.FIELDLINE_SQLITE_BINDING;
    try {
      expect(sqliteNativeBinding(root)).toBe(file);
    } finally {
      if (saved !== undefined) process.env.FIELDLINE_SQLITE_BINDING = saved;
    }
  });
});
