/**
 * A real listening headless server around an engine stand-in, for the server's own tests:
 * the HTTP/WebSocket surface is what they test, and the stand-in records what got through.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import type { MessageTransport } from '../../common/protocol';
import type { Engine } from '../engine/engine';
import { createLogger, type Logger } from '../engine/log';
import { type HeadlessServer, type HostLimits, startHeadlessServer } from './headless-server';

export const TEST_TOKEN = 'test-token-0123456789abcdef';

/** An engine stand-in that echoes: enough to prove what reaches it and what doesn't. */
export function echoEngine(received: unknown[]): Engine {
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

export function tempRendererDir(): string {
  const rendererDir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-renderer-'));
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><div id="root"></div>');
  return rendererDir;
}

export async function startTestHost(
  options: {
    engine?: Engine;
    rendererDir?: string;
    log?: Logger;
    limits?: Partial<HostLimits>;
    host?: string;
  } = {},
): Promise<HeadlessServer> {
  return await startHeadlessServer({
    engine: options.engine ?? echoEngine([]),
    host: options.host ?? '127.0.0.1',
    port: 0,
    token: TEST_TOKEN,
    rendererDir: options.rendererDir ?? tempRendererDir(),
    log: options.log ?? createLogger({ level: 'silent' }),
    ...(options.limits ? { limits: options.limits } : {}),
  });
}

export function openWebSocket(
  port: number,
  protocols: string[],
  options: { headers?: Record<string, string>; urlPath?: string; localAddress?: string } = {},
): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${options.urlPath ?? '/rpc'}`, protocols, {
    headers: options.headers ?? {},
    ...(options.localAddress ? { localAddress: options.localAddress } : {}),
  });
  return new Promise<WebSocket>((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}
