/**
 * MessageTransport over a DOM MessagePort: the path to the engine in the desktop app.
 * The page has no Electron API (contextIsolation, sandbox); the preload hands it a port
 * with window.postMessage when asked. Messages are structured-cloned objects, no JSON.
 */

import { createListenerTransport } from '../../common/listener-transport';
import type { MessageTransport } from '../../common/protocol';

export const PORT_REQUEST = { type: 'fieldline:request-engine-port' } as const;
export const PORT_DELIVERY = 'fieldline:engine-port';
/** the shell replaced an engine process that died; the old port is dead */
export const ENGINE_RESTARTED = 'fieldline:engine-restarted';

export const NO_ENGINE_MESSAGE =
  'No engine connection: open the URL printed by `npm run serve` (it carries the access token), ' +
  'or start the desktop app with `npm start`.';

/** The part of window this module uses, so it can be exercised without a DOM. */
export interface PortHostWindow {
  addEventListener(type: 'message', listener: (event: PortDeliveryEvent) => void): void;
  postMessage(message: unknown, targetOrigin: string): void;
}

export interface PortDeliveryEvent {
  data: unknown;
  ports: ReadonlyArray<MessagePort>;
  source: unknown;
}

export function createMessagePortTransport(port: MessagePort): MessageTransport {
  const ends = createListenerTransport({
    send: (message) => port.postMessage(message),
    close: () => port.close(),
  });
  port.addEventListener('message', (event) => ends.deliver(event.data));
  // fired when the engine side goes away; addEventListener, unlike onmessage, needs start()
  port.addEventListener('close', ends.finish);
  port.start();
  return ends.transport;
}

/**
 * A connect function for RpcClient that asks the preload for a fresh port each time. A
 * port that arrives unasked, or word that the engine restarted, means the current port
 * leads nowhere: the current transport is closed so the client reconnects (and
 * resubscribes) over a new one.
 */
export function createEnginePortConnector(
  win: PortHostWindow,
  waitMs = 3000,
): () => Promise<MessageTransport> {
  let waiter: ((port: MessagePort) => void) | null = null;
  let spare: MessagePort | null = null;
  let current: MessageTransport | null = null;

  win.addEventListener('message', (event) => {
    // only the preload (same window) may talk to us here, not a frame or an opener
    if (event.source !== win) return;
    if (event.data === ENGINE_RESTARTED) {
      // a dead process does not always close its ports: drop ours so the client asks again
      current?.close();
      return;
    }
    if (event.data !== PORT_DELIVERY) return;
    const port = event.ports[0];
    if (!port) return;
    if (waiter) {
      waiter(port);
      return;
    }
    spare?.close();
    spare = port;
    current?.close();
  });

  const adopt = (port: MessagePort) => {
    const transport = createMessagePortTransport(port);
    current = transport;
    transport.onClose(() => {
      if (current === transport) current = null;
    });
    return transport;
  };

  return () => {
    if (spare) {
      const port = spare;
      spare = null;
      return Promise.resolve(adopt(port));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiter = null;
        reject(new Error(NO_ENGINE_MESSAGE));
      }, waitMs);
      waiter = (port) => {
        clearTimeout(timer);
        waiter = null;
        resolve(adopt(port));
      };
      win.postMessage(PORT_REQUEST, '*');
    });
  };
}
