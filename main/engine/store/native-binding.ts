/**
 * Which better-sqlite3 binary to load. Node and Electron have different ABIs, so the repo
 * keeps one build per runtime in .native/ (scripts/ensure-native.mjs makes them) and the
 * engine picks the one for the runtime it is running in. The result goes to
 * better-sqlite3's `nativeBinding` option; undefined means "load your default"
 * (node_modules/better-sqlite3/build/Release, which a packaged app rebuilt for Electron).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

export interface NativeBindingRuntime {
  env: NodeJS.ProcessEnv;
  /** process.versions: `electron` is set inside Electron, `modules` is the ABI */
  versions: { electron?: string; modules: string };
}

export function nativeBindingFileName(versions: NativeBindingRuntime['versions']): string {
  return `better_sqlite3-${versions.electron ? 'electron' : 'node'}-abi${versions.modules}.node`;
}

/**
 * `FIELDLINE_SQLITE_BINDING` if set; else the first `.native/better_sqlite3-<runtime>-abi<N>.node`
 * found walking up from startDir; else undefined.
 */
export function sqliteNativeBinding(
  startDir: string,
  runtime: NativeBindingRuntime = { env: process.env, versions: process.versions },
): string | undefined {
  const override = runtime.env.FIELDLINE_SQLITE_BINDING;
  if (override) return path.resolve(override);
  const name = nativeBindingFileName(runtime.versions);
  let dir = path.resolve(startDir);
  for (;;) {
    const candidate = path.join(dir, '.native', name);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
