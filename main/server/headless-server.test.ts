import { afterEach, describe, expect, test } from 'vitest';
import type { HeadlessServer } from './headless-server';
import { echoEngine, openWebSocket as open, startTestHost, TEST_TOKEN as TOKEN } from './test-host';

let server: HeadlessServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(received: unknown[] = []) {
  server = await startTestHost({ engine: echoEngine(received) });
  return server;
}

describe('headless server', () => {
  test('prints a loopback URL with the token in the fragment', async () => {
    const s = await start();
    expect(s.url).toBe(`http://127.0.0.1:${s.port}/#token=${TOKEN}`);
  });

  test('refuses WebSockets without the token, from a foreign origin, or on another path', async () => {
    const received: unknown[] = [];
    const s = await start(received);
    await expect(open(s.port, [])).rejects.toThrow('HTTP 401');
    await expect(open(s.port, ['fieldline.token.not-the-token-at-all'])).rejects.toThrow('HTTP 401');
    await expect(
      open(s.port, [`fieldline.token.${TOKEN}`], { headers: { Origin: 'https://attacker.example' } }),
    ).rejects.toThrow('HTTP 403');
    await expect(open(s.port, [`fieldline.token.${TOKEN}`], { urlPath: '/other' })).rejects.toThrow(
      'HTTP 404',
    );
    expect(received).toEqual([]);
  });

  test('carries JSON both ways for a same-origin client with the token; non-JSON arrives as text', async () => {
    const received: unknown[] = [];
    const s = await start(received);
    const ws = await open(s.port, [`fieldline.token.${TOKEN}`], {
      headers: { Origin: `http://127.0.0.1:${s.port}` },
    });
    expect(ws.protocol).toBe(`fieldline.token.${TOKEN}`);
    const replies: unknown[] = [];
    ws.on('message', (data) => replies.push(JSON.parse(data.toString())));
    ws.send(JSON.stringify({ id: 1, method: 'engine.info' }));
    ws.send('{not json');
    await expect.poll(() => replies.length).toBe(2);
    expect(received).toEqual([{ id: 1, method: 'engine.info' }, '{not json']);
    expect(replies[0]).toEqual({ echo: { id: 1, method: 'engine.info' } });
    ws.close();
  });

  test('serves files with security headers and rejects other methods', async () => {
    const s = await start();
    const origin = `http://127.0.0.1:${s.port}`;
    const index = await fetch(`${origin}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await fetch(`${origin}/missing.js`)).status).toBe(404);
    expect((await fetch(`${origin}/`, { method: 'POST' })).status).toBe(405);
  });
});
