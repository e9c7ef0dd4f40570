/**
 * MessageTransport over one MessagePort: the renderer's path to the engine in the desktop
 * app. Inside Electron's utilityProcess the port is a MessagePortMain; the engine never
 * imports 'electron', so the adapter only asks for the few methods it uses.
 *
 * Messages are plain objects carried by structured clone (no JSON): a Map, a Date or a
 * Float64Array arrives as itself.
 */

import { createListenerTransport } from '../../../common/listener-transport';
import type { MessageTransport } from '../../../common/protocol';

/** The part of Electron's MessagePortMain the engine uses. */
export interface MessagePortLike {
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  start(): void;
  postMessage(message: unknown): void;
  close(): void;
}

export function createMessagePortTransport(port: MessagePortLike): MessageTransport {
  const ends = createListenerTransport({
    send: (message) => port.postMessage(message),
    close: () => port.close(),
  });
  port.on('message', (event) => ends.deliver(event.data));
  // the other end closed, or the process holding it died; messages queue until start()
  port.on('close', ends.finish);
  port.start();
  return ends.transport;
}
