/**
 * Refusals in one shape wherever they happen: on a response, on a raw socket before the
 * HTTP parser or the WebSocket upgrade got anywhere. A status line with its reason, a
 * plain-text body saying why, a length, `Connection: close` and the security headers.
 */
import { type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { SECURITY_HEADERS } from './security-headers';

const LINGER_MS = 2000;

export type ExtraHeaders = Record<string, string>;

function refusalHeaders(body: string, extra: ExtraHeaders): Record<string, string> {
  return {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
    // after a refusal nothing more from this client is worth parsing on this connection
    Connection: 'close',
    ...extra,
  };
}

export function refuseResponse(
  res: ServerResponse,
  status: number,
  message: string,
  extra: ExtraHeaders = {},
): void {
  const body = `${message}\n`;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, refusalHeaders(body, extra));
  res.end(body);
}

/** For sockets no ServerResponse exists for: upgrades and requests the parser rejected. */
export function refuseSocket(
  socket: Duplex,
  status: number,
  message: string,
  extra: ExtraHeaders = {},
): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = `${message}\n`;
  const lines = Object.entries(refusalHeaders(body, extra)).map(([name, value]) => `${name}: ${value}\r\n`);
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n${lines.join('')}\r\n${body}`);
  // a peer that never closes its side must not keep the socket (and its buffers) alive;
  // not destroyed at once, which could reset the connection before the answer is read
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}
