// Builds with electron-vite only when the output is missing or older than a source file,
// so `npm run serve` and `npm start` start in a second when nothing changed.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const SOURCE_DIRS = ['main', 'preload', 'renderer', 'common'];
const SOURCE_FILES = ['electron.vite.config.ts', 'package.json'];
const OUTPUTS = [
  'out/main/index.js',
  'out/main/server.js',
  'out/main/engine-host.js',
  'out/preload/index.js',
  'out/renderer/index.html',
];

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (!entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

export function buildIsStale() {
  const outputs = OUTPUTS.map((f) => path.join(repoRoot, f));
  if (!outputs.every((f) => existsSync(f))) return true;
  const builtAt = Math.min(...outputs.map((f) => statSync(f).mtimeMs));
  const sourcesAt = Math.max(
    ...SOURCE_DIRS.map((d) => path.join(repoRoot, d))
      .filter(existsSync)
      .map(newestMtime),
    ...SOURCE_FILES.map((f) => path.join(repoRoot, f))
      .filter(existsSync)
      .map((f) => statSync(f).mtimeMs),
  );
  return sourcesAt > builtAt;
}

export function buildIfStale() {
  if (!buildIsStale()) return;
  process.stderr.write('fieldline: building (electron-vite build)...\n');
  const result = spawnSync(
    process.execPath,
    [path.join(repoRoot, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  if (result.status !== 0) {
    process.stderr.write('fieldline: the build failed; run "npm run build" to see why\n');
    process.exit(result.status ?? 1);
  }
}
