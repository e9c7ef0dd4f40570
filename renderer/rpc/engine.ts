/**
 * The page's one RPC client. Which transport it uses depends on where the page runs:
 * a page served by the headless host got a token and talks WebSocket; the desktop app
 * has no token and gets a MessagePort from the preload.
 */
import { sessionStorageOrNull, takeAccessToken } from './access-token';
import { RpcClient } from './client';
import { createEnginePortConnector } from './message-port-transport';
import { engineWebSocketUrl, openWebSocketTransport } from './websocket-transport';

let client: RpcClient | null = null;

/** Creates and starts the client; call once, before the first render. */
export function startEngineClient(): RpcClient {
  if (client) return client;
  const token = takeAccessToken({
    location: window.location,
    history: window.history,
    storage: sessionStorageOrNull(),
  });
  const connect = token
    ? () =>
        openWebSocketTransport(engineWebSocketUrl(window.location), token).catch((error: Error) => {
          // a token from an earlier run of the host is the usual reason for a refusal
          throw new Error(
            `${error.message}. If the host restarted with a new token, open the new URL it printed.`,
          );
        })
    : createEnginePortConnector(window);
  client = new RpcClient({
    connect,
    onProtocolError: (problem) => console.warn(`[rpc] ${problem}`),
  });
  client.start();
  return client;
}

/** The running client, for views and stores. */
export function engine(): RpcClient {
  if (!client) throw new Error('startEngineClient() has not run');
  return client;
}
