import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { CONTENT_SECURITY_POLICY } from './security-headers';

function directives(policy: string): Map<string, string> {
  return new Map(
    policy
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [name = '', ...values] = d.split(/\s+/);
        return [name, values.join(' ')] as const;
      }),
  );
}

describe('Content-Security-Policy', () => {
  test("connect-src is 'self' only: no WebSocket or fetch to any other host", () => {
    expect(directives(CONTENT_SECURITY_POLICY).get('connect-src')).toBe("'self'");
  });

  test("the renderer's own meta policy says the same (a meta tag cannot carry frame-ancestors)", () => {
    const html = readFileSync(path.join(__dirname, '../../renderer/index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBeDefined();
    const header = directives(CONTENT_SECURITY_POLICY);
    header.delete('frame-ancestors');
    expect(directives(meta ?? '')).toEqual(header);
  });
});
