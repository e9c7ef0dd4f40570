/**
 * Sends bytes exactly as written to a listening host and reads back what it answers: the
 * HTTP clients in Node and browsers normalize or refuse malformed requests before sending,
 * and malformed requests are what the tests need to send.
 */
import net from 'node:net';

export interface RawAnswer {
  /** null when nothing (or no status line) came back before the socket closed or timed out */
  status: number | null;
  headers: Record<string, string>;
  body: string;
}

export function rawRequest(
  port: number,
  request: string,
  options: { host?: string; localAddress?: string; timeoutMs?: number } = {},
): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = net.connect({
      port,
      host: options.host ?? '127.0.0.1',
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    });
    let received = '';
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parseAnswer(received));
    };
    const timer = setTimeout(finish, options.timeoutMs ?? 3000);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      const answer = parseAnswer(received);
      // a whole answer is in: stop waiting (a 101 leaves the socket open for frames)
      if (answer.status === 101 || (answer.status !== null && complete(received, answer))) finish();
    });
    socket.on('error', finish);
    socket.on('close', finish);
    socket.write(request, 'latin1');
  });
}

function complete(received: string, answer: RawAnswer): boolean {
  const length = Number(answer.headers['content-length'] ?? Number.NaN);
  if (Number.isNaN(length)) return false;
  const bodyStart = received.indexOf('\r\n\r\n') + 4;
  return Buffer.byteLength(received.slice(bodyStart), 'latin1') >= length;
}

export function parseAnswer(text: string): RawAnswer {
  const headEnd = text.indexOf('\r\n\r\n');
  const head = headEnd === -1 ? text : text.slice(0, headEnd);
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return {
    status: match?.[1] && headEnd !== -1 ? Number(match[1]) : null,
    headers,
    body: headEnd === -1 ? '' : text.slice(headEnd + 4),
  };
}

/** A GET, or with `upgrade` a WebSocket upgrade offering `token`, in bytes as given. */
export function rawGet(
  target: string,
  host: string,
  options: { upgrade?: boolean; token?: string } = {},
): string {
  const lines = [`GET ${target} HTTP/1.1`, `Host: ${host}`];
  if (options.upgrade) {
    lines.push(
      'Connection: Upgrade',
      'Upgrade: websocket',
      'Sec-WebSocket-Version: 13',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      `Sec-WebSocket-Protocol: fieldline.token.${options.token ?? ''}`,
    );
  } else {
    lines.push('Connection: close');
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}
