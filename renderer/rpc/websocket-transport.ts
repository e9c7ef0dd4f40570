/**
 * MessageTransport over a browser WebSocket: the path to the engine when the renderer is
 * served by the headless host. Text frames carry JSON. The access token travels as a
 * subprotocol because browsers cannot set headers on a WebSocket, and a query string
 * would end up in server and proxy logs.
 */
import { createListenerTransport } from '../../common/listener-transport';
import type { MessageTransport } from '../../common/protocol';

export const TOKEN_SUBPROTOCOL_PREFIX = 'fieldline.token.';

export function engineWebSocketUrl(location: Pick<Location, 'protocol' | 'host'>): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/rpc`;
}

/** Resolves once the socket is open; rejects if it closes or stalls before that. */
export function openWebSocketTransport(
  url: string,
  token: string,
  openTimeoutMs = 10_000,
): Promise<MessageTransport> {
  return new Promise((resolve, reject) => {
    let socket: WebSocket;
    try {
      socket = new WebSocket(url, [`${TOKEN_SUBPROTOCOL_PREFIX}${token}`]);
    } catch (error) {
      // e.g. a token with characters a subprotocol cannot carry
      reject(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    let opened = false;
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no answer from the engine at ${url}`));
    }, openTimeoutMs);

    socket.addEventListener('open', () => {
      opened = true;
      clearTimeout(timer);
      resolve(wrapSocket(socket));
    });
    socket.addEventListener('close', (event) => {
      if (opened) return;
      clearTimeout(timer);
      // the browser hides the HTTP status (401/403) on purpose; the code is all we get
      reject(new Error(`cannot reach the engine at ${url} (WebSocket closed, code ${event.code})`));
    });
  });
}

function wrapSocket(socket: WebSocket): MessageTransport {
  const ends = createListenerTransport({
    send(message) {
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
    },
    close: () => socket.close(1000),
  });
  socket.addEventListener('message', (event) => {
    if (typeof event.data !== 'string') return;
    let message: unknown;
    try {
      message = JSON.parse(event.data);
    } catch {
      return; // not JSON: the client would drop it anyway
    }
    ends.deliver(message);
  });
  socket.addEventListener('close', ends.finish);
  return ends.transport;
}
