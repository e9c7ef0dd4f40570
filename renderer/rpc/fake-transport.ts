/**
 * An in-memory MessageTransport with a scriptable engine on the other end, for the RPC
 * client's tests. Lives beside the client (not in a test file) so several test files
 * can share it; nothing in the app imports it.
 */
import type { MessageTransport } from '../../common/protocol';

export interface FakeRequest {
  id: number;
  method: string;
  params?: unknown;
}

export class FakeTransport implements MessageTransport {
  readonly sent: unknown[] = [];
  closed = false;
  private readonly messageListeners = new Set<(message: unknown) => void>();
  private readonly closeListeners = new Set<() => void>();
  /** answers requests as they are sent; return undefined to stay silent */
  responder: ((request: FakeRequest) => unknown) | null = null;

  send(message: unknown): void {
    if (this.closed) return;
    this.sent.push(message);
    const reply = this.responder?.(message as FakeRequest);
    if (reply !== undefined) queueMicrotask(() => this.deliver(reply));
  }

  onMessage(listener: (message: unknown) => void): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  onClose(listener: () => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  close(): void {
    this.drop();
  }

  /** the engine sends something */
  deliver(message: unknown): void {
    if (this.closed) return;
    for (const listener of [...this.messageListeners]) listener(message);
  }

  /** the engine goes away */
  drop(): void {
    if (this.closed) return;
    this.closed = true;
    for (const listener of [...this.closeListeners]) listener();
  }

  requests(method?: string): FakeRequest[] {
    return (this.sent as FakeRequest[]).filter((m) => method === undefined || m.method === method);
  }
}
