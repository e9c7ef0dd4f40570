// One better-sqlite3 binary per runtime, kept in .native/ (see README, "Native modules").
//
//   node scripts/ensure-native.mjs node       the Node build: node_modules' binary has the
//                                             ABI of the Node running this script (rebuilt
//                                             if not) and a copy is in .native/
//   node scripts/ensure-native.mjs electron   the Electron build in .native/, made with
//                                             @electron/rebuild; node_modules keeps (gets
//                                             back) the Node build for the tests
//
// Both are quick no-ops when everything is already right.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const nativeDir = path.join(repoRoot, '.native');
export const moduleBinary = path.join(
  repoRoot,
  'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
);

const require = createRequire(import.meta.url);
const MARKER = Buffer.from('node_register_module_v', 'latin1');

export class EnsureNativeError extends Error {}

/**
 * The ABI a native addon was built for, from its exported `node_register_module_v<N>`
 * symbol (NODE_MODULE_VERSION), or undefined when the file has none.
 */
export function readAbi(file) {
  const bytes = readFileSync(file);
  for (let at = bytes.indexOf(MARKER); at !== -1; at = bytes.indexOf(MARKER, at + 1)) {
    let end = at + MARKER.length;
    while (end < bytes.length && bytes[end] >= 0x30 && bytes[end] <= 0x39) end++;
    if (end > at + MARKER.length) return bytes.toString('latin1', at + MARKER.length, end);
  }
  return undefined;
}

function abiOf(file) {
  return existsSync(file) ? readAbi(file) : undefined;
}

export function nativeCopy(runtime, abi) {
  return path.join(nativeDir, `better_sqlite3-${runtime}-abi${abi}.node`);
}

/** Copies through a temporary file and a rename: a process that has the old file mapped
 * keeps its copy, and a hard link (make installs the binary as one) is not written through. */
async function copyAtomic(from, to) {
  mkdirSync(path.dirname(to), { recursive: true });
  const temporary = `${to}.${process.pid}.tmp`;
  try {
    await copyFile(from, temporary);
    renameSync(temporary, to);
  } finally {
    rmSync(temporary, { force: true });
  }
}

function sameContent(a, b) {
  if (!existsSync(a) || !existsSync(b)) return false;
  if (statSync(a).size !== statSync(b).size) return false;
  return readFileSync(a).equals(readFileSync(b));
}

function say(message) {
  process.stderr.write(`ensure-native: ${message}\n`);
}

/** npm's nodedir setting, as npm hands it to scripts and node-gyp reads it. */
function nodedirSettings() {
  return Object.keys(process.env).filter((key) => key.toLowerCase() === 'npm_config_nodedir');
}

function rebuildForNode() {
  // better-sqlite3's own install script: prebuild-install, else node-gyp from source
  say(`rebuilding better-sqlite3 for Node ${process.version} (ABI ${process.versions.modules})...`);
  const npm = process.env.npm_execpath;
  const [command, args] = npm
    ? [process.execPath, [npm, 'rebuild', 'better-sqlite3']]
    : [process.platform === 'win32' ? 'npm.cmd' : 'npm', ['rebuild', 'better-sqlite3']];
  const result = spawnSync(command, args, {
    cwd: repoRoot,
    stdio: ['ignore', 'inherit', 'inherit'],
    shell: process.platform === 'win32',
  });
  if (result.status !== 0) {
    throw new EnsureNativeError(
      `"npm rebuild better-sqlite3" failed (exit ${result.status ?? result.signal}); ` +
        'building from source needs python3, make and a C++ compiler (Debian: apt-get install python3 make g++)',
    );
  }
}

/** Makes node_modules' binary a Node build and keeps a copy in .native/; returns its path. */
export async function ensureNode() {
  const want = process.versions.modules;
  let have = abiOf(moduleBinary);
  if (have !== want) {
    say(
      have
        ? `node_modules has a build for ABI ${have}; Node ${process.version} needs ABI ${want}`
        : 'no better-sqlite3 binary in node_modules',
    );
    // the copy from an earlier run is the quickest way back
    const saved = nativeCopy('node', want);
    if (abiOf(saved) === want) {
      say(`restoring ${path.relative(repoRoot, saved)}`);
      await copyAtomic(saved, moduleBinary);
    } else {
      rebuildForNode();
    }
    have = abiOf(moduleBinary);
    if (have !== want) {
      throw new EnsureNativeError(
        `after the rebuild ${path.relative(repoRoot, moduleBinary)} has ABI ${have ?? 'none'}, not ${want}`,
      );
    }
  }
  const copy = nativeCopy('node', want);
  if (!sameContent(moduleBinary, copy)) {
    await copyAtomic(moduleBinary, copy);
    say(`Node build (ABI ${want}) saved as ${path.relative(repoRoot, copy)}`);
  }
  return copy;
}

/**
 * The Electron executable, or undefined when the binary is not installed (for example
 * installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1). Looks before it asks: require('electron')
 * tries to download a missing binary.
 */
export function installedElectronBinary() {
  const packageDir = path.join(repoRoot, 'node_modules/electron');
  const pathFile = path.join(packageDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  let expected;
  if (override) expected = path.join(override, relative || 'electron');
  else if (relative) expected = path.join(packageDir, 'dist', relative);
  else return undefined;
  if (!existsSync(expected)) return undefined;
  try {
    const binary = require('electron');
    return typeof binary === 'string' && existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

export function electronVersion() {
  return JSON.parse(readFileSync(path.join(repoRoot, 'node_modules/electron/package.json'), 'utf8')).version;
}

/** Electron's ABI (its process.versions.modules): node-abi's table, else what the electron
 * package records, else asked of the Electron binary itself. */
export function electronAbi(version = electronVersion()) {
  try {
    return String(require('node-abi').getAbi(version, 'electron'));
  } catch {
    // a node-abi older than this Electron: try the others
  }
  const recorded = path.join(repoRoot, 'node_modules/electron/abi_version');
  if (existsSync(recorded)) {
    const abi = readFileSync(recorded, 'utf8').trim();
    if (/^\d+$/.test(abi)) return abi;
  }
  const binary = installedElectronBinary();
  if (binary) {
    const result = spawnSync(binary, ['-p', 'process.versions.modules'], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      encoding: 'utf8',
    });
    const abi = result.stdout?.trim();
    if (result.status === 0 && /^\d+$/.test(abi)) return abi;
  }
  throw new EnsureNativeError(
    `cannot tell the ABI of Electron ${version}: update node-abi ("npm install -D node-abi@latest")`,
  );
}

/** Builds .native/better_sqlite3-electron-abi<E>.node; node_modules ends with the Node build. */
export async function ensureElectron() {
  const nodeCopy = await ensureNode();
  const version = electronVersion();
  const want = electronAbi(version);
  const target = nativeCopy('electron', want);
  if (abiOf(target) === want) return target;

  // npm passes its nodedir setting to node-gyp as npm_config_nodedir; node-gyp then
  // compiles against those (Node's) headers instead of Electron's and the result loads
  // in Node but not in Electron. Electron's headers are what we want here.
  const nodedir = nodedirSettings();
  if (nodedir.length > 0) {
    say(`ignoring npm's nodedir setting (${process.env[nodedir[0]]}) for the Electron build`);
    for (const key of nodedir) delete process.env[key];
  }

  say(`building better-sqlite3 for Electron ${version} (ABI ${want}) with @electron/rebuild...`);
  try {
    const { rebuild } = await import(
      pathToFileURL(path.join(repoRoot, 'node_modules/@electron/rebuild/lib/main.js')).href
    );
    try {
      await rebuild({
        buildPath: repoRoot,
        electronVersion: version,
        onlyModules: ['better-sqlite3'],
        force: true,
      });
    } catch (error) {
      throw new EnsureNativeError(
        `@electron/rebuild failed: ${error instanceof Error ? error.message : String(error)}\n` +
          '  it needs either a prebuilt binary (network access to GitHub) or Electron headers ' +
          '(network access to electronjs.org) plus python3, make and a C++ compiler',
      );
    }
    const built = abiOf(moduleBinary);
    if (built !== want) {
      throw new EnsureNativeError(
        `@electron/rebuild produced a binary for ABI ${built ?? 'none'}, not Electron's ${want}.\n` +
          `  ABI ${built} is ${built === process.versions.modules ? "this Node's" : 'not Electron'}: ` +
          "node-gyp most likely compiled against Node's headers because of npm's nodedir setting.\n" +
          '  Fix: "npm config get nodedir" shows it; remove it with "npm config delete nodedir" ' +
          '(add "--location=global" if it is set globally, or edit the npmrc file that sets it), ' +
          'unset npm_config_nodedir in your environment, then run "npm start" again.',
      );
    }
    await copyAtomic(moduleBinary, target);
    say(`Electron build (ABI ${want}) saved as ${path.relative(repoRoot, target)}`);
    return target;
  } finally {
    // whatever happened, the tests get their Node build back
    if (abiOf(moduleBinary) !== process.versions.modules) {
      await copyAtomic(nodeCopy, moduleBinary);
      say(`restored the Node build in ${path.relative(repoRoot, moduleBinary)}`);
    }
  }
}

async function main(argv) {
  const runtime = argv[0];
  if (runtime === 'node') {
    await ensureNode();
    return 0;
  }
  if (runtime === 'electron') {
    await ensureElectron();
    return 0;
  }
  process.stderr.write('usage: node scripts/ensure-native.mjs node|electron\n');
  return 2;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      if (error instanceof EnsureNativeError) say(`error: ${error.message}`);
      else process.stderr.write(`ensure-native: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
