import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { HeadlessServer } from './headless-server';
import { rawGet, rawRequest } from './raw-http-harness';
import { resolveInside } from './static-files';
import { startTestHost, tempRendererDir } from './test-host';

describe('static file paths', () => {
  const root = path.resolve('/srv/renderer');
  test('maps / to index.html and stays inside the root', () => {
    expect(resolveInside(root, '/')).toBe(path.join(root, 'index.html'));
    expect(resolveInside(root, '/assets/app.js')).toBe(path.join(root, 'assets/app.js'));
  });
  test('refuses anything that escapes the root, even if a caller skipped the target check', () => {
    for (const attempt of ['/../package.json', '/assets/../../x', '/\0', '/..\\..\\x']) {
      expect(resolveInside(root, attempt)).toBeNull();
    }
  });
});

describe('symlinks in the served folder', () => {
  let server: HeadlessServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  test('a link to a file or folder outside the root is not followed; one inside it is', async () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), 'fieldline-outside-'));
    writeFileSync(path.join(outside, 'secret.txt'), 'TOP SECRET');
    mkdirSync(path.join(outside, 'dir'));
    writeFileSync(path.join(outside, 'dir', 'key.pem'), 'PRIVATE KEY');
    const root = tempRendererDir();
    mkdirSync(path.join(root, 'assets'));
    writeFileSync(path.join(root, 'assets', 'app.js'), 'console.log(1)');
    symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'secret.txt'));
    symlinkSync(path.join(outside, 'dir'), path.join(root, 'assets', 'linked'));
    symlinkSync('app.js', path.join(root, 'assets', 'alias.js'));

    server = await startTestHost({ rendererDir: root });
    const get = (target: string) => rawRequest(server!.port, rawGet(target, `127.0.0.1:${server!.port}`));
    for (const target of ['/secret.txt', '/assets/linked/key.pem']) {
      const answer = await get(target);
      expect(answer.status, target).toBe(404);
      expect(answer.body).not.toMatch(/SECRET|PRIVATE/);
    }
    const alias = await get('/assets/alias.js');
    expect(alias.status).toBe(200);
    expect(alias.body).toBe('console.log(1)');
  });

  test('a root that is itself a link (current -> release) is served', async () => {
    const release = tempRendererDir();
    const current = path.join(mkdtempSync(path.join(os.tmpdir(), 'fieldline-deploy-')), 'current');
    symlinkSync(release, current);
    server = await startTestHost({ rendererDir: current });
    const page = await rawRequest(server.port, rawGet('/', `127.0.0.1:${server.port}`));
    expect(page.status).toBe(200);
    expect(page.body).toContain('<div id="root">');
  });
});
