/**
 * An in-memory MessageTransport pair for tests: what one end sends, the other receives,
 * structured-cloned like a MessagePort would, so nothing passes by reference.
 */
import type { MessageTransport } from '../../common/protocol';

export function transportPair(): [MessageTransport, MessageTransport] {
  const make = () => ({
    messageListeners: new Set<(m: unknown) => void>(),
    closeListeners: new Set<() => void>(),
    closed: false,
  });
  const a = make();
  const b = make();
  const end = (self: ReturnType<typeof make>, peer: ReturnType<typeof make>): MessageTransport => ({
    send(message) {
      if (self.closed) return;
      const copy = structuredClone(message);
      queueMicrotask(() => {
        if (!peer.closed) for (const l of peer.messageListeners) l(copy);
      });
    },
    onMessage(listener) {
      self.messageListeners.add(listener);
      return () => self.messageListeners.delete(listener);
    },
    onClose(listener) {
      self.closeListeners.add(listener);
      return () => self.closeListeners.delete(listener);
    },
    close() {
      for (const side of [self, peer]) {
        if (side.closed) continue;
        side.closed = true;
        for (const l of side.closeListeners) l();
      }
    },
  });
  return [end(a, b), end(b, a)];
}

/** A bare client for engine tests: raw messages in, raw messages out. */
export function rawClient(transport: MessageTransport) {
  const received: Record<string, unknown>[] = [];
  transport.onMessage((m) => received.push(m as Record<string, unknown>));
  let nextId = 1;
  return {
    received,
    send: (m: unknown) => transport.send(m),
    async call(method: string, params?: unknown): Promise<Record<string, unknown>> {
      const id = nextId++;
      transport.send({ id, method, params });
      const deadline = Date.now() + 10_000;
      for (;;) {
        const reply = received.find((m) => m.id === id);
        if (reply) return reply;
        if (Date.now() > deadline) throw new Error(`${method}: no reply`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
  };
}
