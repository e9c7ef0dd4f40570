/**
 * The listener bookkeeping every MessageTransport needs (message and close listeners,
 * close exactly once), so a transport only says how to send and how to close its wire.
 */
import type { MessageTransport } from './protocol';

export interface TransportWire {
  send(message: unknown): void;
  close(): void;
}

export interface TransportEnds {
  transport: MessageTransport;
  /** hand a message that arrived on the wire to the listeners */
  deliver(message: unknown): void;
  /** the wire went away: tell the close listeners, once */
  finish(): void;
}

export function createListenerTransport(wire: TransportWire): TransportEnds {
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

  return {
    deliver(message) {
      if (closed) return;
      for (const listener of [...messageListeners]) listener(message);
    },
    finish,
    transport: {
      send(message) {
        if (!closed) wire.send(message);
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
          wire.close();
        } finally {
          finish();
        }
      },
    },
  };
}
