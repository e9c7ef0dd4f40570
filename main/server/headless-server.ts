/**
 * The headless host's network face: the built renderer over HTTP and the engine's RPC
 * over WebSocket at /rpc. One process, one engine, any number of browser tabs.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Engine } from '../engine/engine';
import type { Logger } from '../engine/log';
import { offeredTokenMatches } from './access-token';
import { createStaticHandler } from './static-files';
import { createWebSocketTransport } from './websocket-transport';

export interface HeadlessServerOptions {
  engine: Engine;
  host: string;
  port: number;
  token: string;
  rendererDir: string;
  log: Logger;
}

export interface HeadlessServer {
  /** the page to open, token in the fragment so it never reaches a server log */
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 1024 * 1024;

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Browsers always send Origin on WebSocket upgrades; a foreign one means another site
 * is trying to drive this engine with the user's browser (cross-site WebSocket hijacking). */
function originAllowed(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

export async function startHeadlessServer(options: HeadlessServerOptions): Promise<HeadlessServer> {
  const { engine, log, token } = options;
  const serveStatic = createStaticHandler(options.rendererDir);
  const http = createServer((req, res) => {
    serveStatic(req, res).catch((error: unknown) => {
      log.error('static file error', { error: String(error) });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    handleProtocols: (protocols) => offeredTokenMatches(protocols, token) ?? false,
  });

  http.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== '/rpc') return refuseUpgrade(socket, 404, 'Not Found');
    if (!originAllowed(req)) {
      log.warn('refused a WebSocket from a foreign origin', { origin: req.headers.origin });
      return refuseUpgrade(socket, 403, 'Forbidden');
    }
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!offeredTokenMatches(offered, token)) {
      log.warn('refused a WebSocket without a valid token', { remote: req.socket.remoteAddress });
      return refuseUpgrade(socket, 401, 'Unauthorized');
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const detach = engine.connect(createWebSocketTransport(ws));
      ws.on('close', detach);
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, options.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${hostForUrl}:${port}/#token=${token}`,
    port,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
