/**
 * The headless host's network face: the built renderer over HTTP and the engine's RPC
 * over WebSocket at /rpc. One process, one engine, a bounded number of browser tabs.
 *
 * Every request passes the same gate before anything uses it: a well-formed target
 * (request-target.ts), a Host this host listens under (host-allowlist.ts). WebSocket
 * upgrades then need a same-origin page, an address not locked out for wrong tokens
 * (token-attempt-limiter.ts), the token, and a free connection slot. No input reaches a
 * throwing call unguarded: a malformed request is a 4xx answer, never the end of the process.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Engine } from '../engine/engine';
import type { Logger } from '../engine/log';
import { offeredTokenMatches } from './access-token';
import { createHostAllowlist, type HostCheck } from './host-allowlist';
import { refuseResponse, refuseSocket } from './http-refusal';
import { createPendingSockets } from './pending-sockets';
import { parseRequestTarget } from './request-target';
import { createRpcAdmission, type Refusal } from './rpc-admission';
import { createStaticHandler } from './static-files';
import { createSummarizedLog } from './summarized-log';
import {
  createTokenAttemptLimiter,
  DEFAULT_TOKEN_ATTEMPT_LIMITS,
  type TokenAttemptLimits,
} from './token-attempt-limiter';
import { createWebSocketTransport, DEFAULT_SEND_LIMITS, type SendLimits } from './websocket-transport';

export interface HostLimits extends SendLimits {
  /** open RPC connections (browser tabs) at once */
  maxWebSockets: number;
  /** sockets that have not become an RPC connection: page loads, upgrades in progress, idlers */
  maxPendingSockets: number;
  maxPendingPerAddress: number;
  /** largest message a client may send; the contract's largest request is far smaller */
  maxPayloadBytes: number;
  /** time to send the request headers, and the whole request */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** how often the timeouts above are checked */
  timeoutCheckMs: number;
  /** a socket that sends and receives nothing this long is closed (Node's header timeout
   * only starts with the first byte, so a silent socket needs this one) */
  idleTimeoutMs: number;
  tokenAttempts: TokenAttemptLimits;
  /** refusals an attacker can repeat are logged once, then summarized per interval */
  logIntervalMs: number;
}

export const DEFAULT_HOST_LIMITS: HostLimits = {
  ...DEFAULT_SEND_LIMITS,
  maxWebSockets: 16,
  maxPendingSockets: 64,
  maxPendingPerAddress: 16,
  maxPayloadBytes: 512 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 20_000,
  timeoutCheckMs: 1000,
  idleTimeoutMs: 10_000,
  tokenAttempts: DEFAULT_TOKEN_ATTEMPT_LIMITS,
  logIntervalMs: 60_000,
};

export interface HeadlessServerOptions {
  engine: Engine;
  host: string;
  port: number;
  token: string;
  rendererDir: string;
  log: Logger;
  limits?: Partial<HostLimits>;
}

export interface HeadlessServer {
  /** the page to open, token in the fragment so it never reaches a server log */
  url: string;
  port: number;
  close(): Promise<void>;
}

type Gate = { ok: true; path: string; host: string } | ({ ok: false } & Refusal);

const HOST_REFUSALS: Record<Exclude<HostCheck, 'ok'>, { status: number; message: string }> = {
  missing: { status: 400, message: 'A Host header is required' },
  bad: { status: 400, message: 'Malformed Host header' },
  refused: { status: 421, message: 'This host does not answer to that name' },
};

export async function startHeadlessServer(options: HeadlessServerOptions): Promise<HeadlessServer> {
  const { engine, log, token } = options;
  const limits: HostLimits = { ...DEFAULT_HOST_LIMITS, ...options.limits };
  const serveStatic = createStaticHandler(options.rendererDir);
  const attempts = createTokenAttemptLimiter(limits.tokenAttempts);
  const refusals = createSummarizedLog(log, limits.logIntervalMs);
  // set once listening (the port may be chosen by the system); nothing is served before
  let hostAllowed: (host: string | undefined) => HostCheck = () => 'refused';

  function gate(req: IncomingMessage): Gate {
    const target = parseRequestTarget(req.url);
    if (!target.ok) return target;
    // an absolute-form target's authority replaces Host (RFC 9112 §3.2.2)
    const host = target.authority ?? req.headers.host;
    const check = hostAllowed(host);
    if (check !== 'ok') {
      refusals.warn('refused a request for another host name', req.socket.remoteAddress, {
        host: host?.slice(0, 200),
      });
      return { ok: false, ...HOST_REFUSALS[check] };
    }
    return { ok: true, path: target.path, host: host as string };
  }

  const http = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: limits.timeoutCheckMs,
    },
    (req, res) => {
      const passed = gate(req);
      if (!passed.ok) return refuseResponse(res, passed.status, passed.message);
      serveStatic(req, res, passed.path).catch((error: unknown) => {
        log.error('static file error', { error: String(error) });
        refuseResponse(res, 500, 'Internal error');
      });
    },
  );

  // RPC connections are exempt: ws clears the timeout when it takes the socket over
  http.setTimeout(limits.idleTimeoutMs);

  const pending = createPendingSockets(limits.maxPendingSockets, limits.maxPendingPerAddress);
  http.on('connection', (socket: Socket) => {
    const admitted = pending.admit(socket);
    if (admitted === 'ok') return;
    refusals.warn(`refused a connection: ${admitted} open at once`, socket.remoteAddress);
    socket.destroy();
  });
  // requests the parser refused, and ones too slow to arrive: an answer with headers, then close
  http.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return refuseSocket(socket, 408, 'Request timed out');
    if (error.code === 'HPE_HEADER_OVERFLOW') return refuseSocket(socket, 431, 'Request headers too large');
    refuseSocket(socket, 400, 'Malformed request');
  });
  // CONNECT (authority-form, RFC 9112 §3.2.3) asks for a tunnel: this is no proxy
  http.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    refuseSocket(socket, 405, 'Method not allowed', { Allow: 'GET, HEAD' });
  });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxPayloadBytes,
    handleProtocols: (protocols) => offeredTokenMatches(protocols, token) ?? false,
  });
  let openWebSockets = 0;

  const refuseRpc = createRpcAdmission(token, attempts, refusals);

  /** null when the socket became an RPC connection */
  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Refusal | null {
    const passed = gate(req);
    if (!passed.ok) return passed;
    if (passed.path !== '/rpc') return { status: 404, message: 'Not found' };
    const refused = refuseRpc(req, passed.host);
    if (refused) return refused;
    if (openWebSockets >= limits.maxWebSockets) {
      refusals.warn('refused a WebSocket: too many open at once', req.socket.remoteAddress, {
        limit: limits.maxWebSockets,
      });
      return {
        status: 503,
        message: 'Too many open connections; close a tab and retry',
        headers: { 'Retry-After': '5' },
      };
    }
    openWebSockets += 1;
    pending.release(req.socket);
    socket.once('close', () => {
      openWebSockets -= 1;
    });
    wss.handleUpgrade(req, socket, head, (ws) => {
      const detach = engine.connect(createWebSocketTransport(ws, limits));
      ws.on('close', detach);
    });
    return null;
  }

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      const refused = upgrade(req, socket, head);
      if (refused) refuseSocket(socket, refused.status, refused.message, refused.headers);
    } catch (error) {
      // the checks above are meant to make this unreachable; if not, one client fails, not the host
      log.error('WebSocket upgrade error', { error: String(error) });
      refuseSocket(socket, 500, 'Internal error');
    }
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, options.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  hostAllowed = createHostAllowlist(options.host, port);
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${hostForUrl}:${port}/#token=${token}`,
    port,
    async close() {
      refusals.close();
      for (const client of wss.clients) client.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
