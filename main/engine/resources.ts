/**
 * Finds the resources folder (profiles, demo site) from the running code's location:
 * the source tree under vitest, out/main/ when built, and an explicit folder (the
 * packaged app's resourcesPath) when the host passes one.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

export function findResourcesDir(startDir: string): string {
  let dir = path.resolve(startDir);
  for (;;) {
    const candidate = path.join(dir, 'resources');
    if (existsSync(path.join(candidate, 'profiles'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no resources/profiles folder above ${startDir}`);
    dir = parent;
  }
}
