import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { resolveInside } from './static-files';

describe('static file paths', () => {
  const root = path.resolve('/srv/renderer');
  test('maps / to index.html and stays inside the root', () => {
    expect(resolveInside(root, '/')).toBe(path.join(root, 'index.html'));
    expect(resolveInside(root, '/assets/app.js')).toBe(path.join(root, 'assets/app.js'));
  });
  test('refuses anything that escapes the root', () => {
    for (const attempt of [
      '/../package.json',
      '/..%2f..%2fetc/passwd',
      '/assets/../../x',
      '/%00',
      '/%E0%A4%A',
    ]) {
      expect(resolveInside(root, attempt)).toBeNull();
    }
  });
});
