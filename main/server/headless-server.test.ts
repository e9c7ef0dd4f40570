import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import type { MessageTransport } from '../../common/protocol';
import type { Engine } from '../engine/engine';
import { createLogger } from '../engine/log';
import { type HeadlessServer, startHeadlessServer } from './headless-server';

const TOKEN = 'test-token-0123456789abcdef';

/** An engine stand-in that echoes: enough to prove what reaches it and what doesn't. */
function echoEngine(received: unknown[]): Engine {
  return {
    info: () => {
      throw new Error('not used');
    },
    connect(transport: MessageTransport) {
      return transport.onMessage((message) => {
        received.push(message);
        transport.send({ echo: message });
      });
    },
    close: async () => {},
  } as unknown as Engine;
}

let server: HeadlessServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(received: unknown[] = []) {
  const rendererDir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-renderer-'));
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><div id="root"></div>');
  server = await startHeadlessServer({
    engine: echoEngine(received),
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    rendererDir,
    log: createLogger({ level: 'silent' }),
  });
  return server;
}

function open(port: number, protocols: string[], headers: Record<string, string> = {}, urlPath = '/rpc') {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${urlPath}`, protocols, { headers });
  return new Promise<WebSocket>((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
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
      open(s.port, [`fieldline.token.${TOKEN}`], { Origin: 'https://attacker.example' }),
    ).rejects.toThrow('HTTP 403');
    await expect(open(s.port, [`fieldline.token.${TOKEN}`], {}, '/other')).rejects.toThrow('HTTP 404');
    expect(received).toEqual([]);
  });

  test('carries JSON both ways for a same-origin client with the token; non-JSON arrives as text', async () => {
    const received: unknown[] = [];
    const s = await start(received);
    const ws = await open(s.port, [`fieldline.token.${TOKEN}`], { Origin: `http://127.0.0.1:${s.port}` });
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
