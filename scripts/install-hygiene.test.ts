/**
 * A new user's `npm install` must end without unexplained warnings, and the README must
 * not send them outside the repository. These read the installed tree, so a dependency
 * bump that brings a new install script or a new engine requirement fails here first.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  engines: { node: string };
  allowScripts: Record<string, boolean>;
};

function installedPackages(
  dir = path.join(root, 'node_modules'),
): { name: string; json: Record<string, unknown> }[] {
  const out: { name: string; json: Record<string, unknown> }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.name.startsWith('@')) {
      out.push(...installedPackages(full));
      continue;
    }
    const file = path.join(full, 'package.json');
    if (existsSync(file)) {
      const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      if (typeof json.name === 'string') out.push({ name: json.name, json });
    }
    const nested = path.join(full, 'node_modules');
    if (existsSync(nested)) out.push(...installedPackages(nested));
  }
  return out;
}

describe('npm install on a new machine', () => {
  it('every dependency install script has been reviewed in allowScripts', () => {
    const withScripts = installedPackages()
      .filter(({ json }) => {
        const scripts = (json.scripts ?? {}) as Record<string, string>;
        return ['preinstall', 'install', 'postinstall'].some((s) => s in scripts) || json.gypfile === true;
      })
      .map((p) => p.name);
    const unreviewed = [...new Set(withScripts)].filter((name) => !(name in pkg.allowScripts));
    expect(unreviewed).toEqual([]);
    // and npm itself agrees (it knows rules this test may not, such as binding.gyp defaults)
    const npm = spawnSync('npm', ['install-scripts', 'ls'], { cwd: root, encoding: 'utf8' });
    expect(`${npm.stdout}${npm.stderr}`).toContain('No packages with unreviewed install scripts');
  });

  it('every package whose engines exclude this Node is one the README and the install note explain', () => {
    const notes = readFileSync(path.join(root, 'scripts/node-version-note.mjs'), 'utf8');
    const excluding = installedPackages()
      .filter(({ json }) => {
        const range = (json.engines as { node?: string } | undefined)?.node;
        return range !== undefined && !semver.satisfies(process.version, range);
      })
      .map((p) => p.name);
    for (const name of new Set(excluding)) {
      expect(readme, `README explains ${name}`).toContain(`\`${name}\``);
      expect(notes, `the install note names ${name}`).toContain(name);
    }
  });

  it('states the supported Node versions, and this Node is one of them', () => {
    expect(readme).toMatch(/## Supported Node versions/);
    expect(readme).toContain(pkg.engines.node);
    expect(semver.satisfies(process.version, pkg.engines.node)).toBe(true);
  });

  it("the README's links stay inside the repository and point at files that exist", () => {
    const links = [...readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1] as string);
    const local = links.filter((l) => !/^[a-z]+:/i.test(l));
    expect(local.length).toBeGreaterThan(0);
    for (const link of local) {
      const target = path.resolve(root, link);
      expect(target.startsWith(root + path.sep), `${link} is inside the repository`).toBe(true);
      expect(existsSync(target), `${link} exists`).toBe(true);
    }
  });
});
