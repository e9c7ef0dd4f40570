/**
 * MessageTransport over one MessagePort: the renderer's path to the engine in the desktop
 * app. Inside Electron's utilityProcess the port is a MessagePortMain; the engine never
 * imports 'electron', so the adapter only asks for the few methods it uses.
 *
 * Messages are plain objects carried by structured clone (no JSON): a Map, a Date or a
 * Float64Array arrives as itself.
 */
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
  const messageListeners = new Set<(message: unknown) => void>();
  const closeListeners = new Set<() => void>();
  let closed = false;

  const finish = () => {
    if (closed) return;
    closed = true;
    const listeners = [...closeListeners];
    messageListeners.clear();
    closeListeners.clear();
    for (const listener of listeners) listener();
  };

  port.on('message', (event) => {
    if (closed) return;
    for (const listener of [...messageListeners]) listener(event.data);
  });
  // the other end closed, or the process holding it died
  port.on('close', finish);
  // messages queue in the port until start(); the listeners are in place now
  port.start();

  return {
    send(message) {
      if (closed) return;
      port.postMessage(message);
    },
    onMessage(listener) {
      messageListeners.add(listener);
      return () => messageListeners.delete(listener);
    },
    onClose(listener) {
      if (closed) {
        listener();
        return () => {};
      }
      closeListeners.add(listener);
      return () => closeListeners.delete(listener);
    },
    close() {
      if (closed) return;
      try {
        port.close();
      } finally {
        finish();
      }
    },
  };
}
