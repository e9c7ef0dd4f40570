/**
 * The RPC client: the only way the UI reaches the engine. It knows nothing about
 * WebSocket or MessagePort; it is handed a function that opens a MessageTransport and
 * keeps one open, reconnecting with backoff and re-opening every stream the UI still
 * wants. Every payload that comes back is checked against common/contract.ts before
 * anything in the UI sees it: a buggy or newer engine becomes a typed error, not a
 * half-rendered screen.
 */
import type { z } from 'zod';
import {
  type RequestName,
  type RequestParams,
  type RequestResult,
  requests,
  type StreamData,
  type StreamName,
  type StreamParams,
  streams,
} from '../../common/contract';
import {
  ERROR_CODES,
  type ErrorCode,
  type MessageTransport,
  RpcError,
  RpcErrorSchema,
  StreamMessageSchema,
} from '../../common/protocol';

export { RpcError };

export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

export interface ConnectionStatus {
  state: ConnectionState;
  /** why the last attempt failed or the last connection ended; null once connected */
  error: string | null;
}

export interface RpcClientOptions {
  /** opens one transport; rejects when the engine cannot be reached */
  connect: () => Promise<MessageTransport>;
  requestTimeoutMs?: number;
  /** delay before the first retry; doubles per failed attempt up to maxRetryMs */
  minRetryMs?: number;
  maxRetryMs?: number;
  /** jitter source, replaceable so tests are deterministic */
  random?: () => number;
  /** malformed or unexpected messages: dropped, but worth telling a developer about */
  onProtocolError?: (problem: string) => void;
}

/** Optional arguments only where the contract allows the params to be left out. */
type ParamsArg<P> = undefined extends P ? [params?: P] : [params: P];

interface Pending {
  method: RequestName;
  message: { id: number; method: string; params?: unknown };
  schema: z.ZodType;
  sent: boolean;
  timer: ReturnType<typeof setTimeout>;
  resolve(value: unknown): void;
  reject(error: RpcError): void;
}

interface Subscription {
  stream: StreamName;
  params: unknown;
  schema: z.ZodType;
  onData(data: unknown): void;
  onError?: (error: RpcError) => void;
  /** the engine's id for this stream on the current connection; null while (re)opening */
  serverSub: number | null;
  active: boolean;
}

/** Stream messages can overtake the answer to stream.subscribe (an engine may emit a
 * snapshot as soon as the stream starts); they wait here until their sub is known. */
const EARLY_MESSAGE_LIMIT = 200;

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export class RpcClient {
  private readonly options: Required<Omit<RpcClientOptions, 'onProtocolError'>> &
    Pick<RpcClientOptions, 'onProtocolError'>;
  private status: ConnectionStatus = { state: 'disconnected', error: null };
  private readonly statusListeners = new Set<(status: ConnectionStatus) => void>();
  private transport: MessageTransport | null = null;
  private detachTransport: (() => void) | null = null;
  private started = false;
  private closed = false;
  private failures = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private nextLocalSub = 1;
  private readonly subscriptions = new Map<number, Subscription>();
  private readonly byServerSub = new Map<number, Subscription>();
  private earlyMessages: { stream: string; sub: number; data: unknown }[] = [];

  constructor(options: RpcClientOptions) {
    this.options = {
      requestTimeoutMs: 15_000,
      minRetryMs: 250,
      maxRetryMs: 10_000,
      random: Math.random,
      ...options,
    };
  }

  /** Starts connecting; idempotent. Requests made before this wait in the queue. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.attempt();
  }

  /** Stops for good: no more reconnects, every waiting request fails with CLOSED. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const transport = this.transport;
    this.dropTransport();
    transport?.close();
    for (const [id, pending] of this.pending) {
      this.settle(id);
      pending.reject(new RpcError('CLOSED', `${pending.method}: the client was closed`));
    }
    for (const sub of this.subscriptions.values()) sub.active = false;
    this.subscriptions.clear();
    this.setStatus({ state: 'disconnected', error: 'closed' });
  }

  getStatus(): ConnectionStatus {
    return this.status;
  }

  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /**
   * Calls one method of the contract. Resolves with the validated result; rejects with an
   * RpcError: the engine's own error, INVALID_PARAMS / INVALID_RESULT when a side broke
   * the contract, TIMEOUT, or CLOSED when the connection dropped before the answer.
   */
  request<M extends RequestName>(method: M, ...args: ParamsArg<RequestParams<M>>): Promise<RequestResult<M>> {
    const params: unknown = args[0];
    const contract = requests[method];
    if (!contract) return Promise.reject(new RpcError('UNKNOWN_METHOD', `unknown method "${method}"`));
    const checked = (contract.params as z.ZodType).safeParse(params);
    if (!checked.success) {
      return Promise.reject(
        new RpcError('INVALID_PARAMS', `${method}: ${describeIssues(checked.error)}`, checked.error.issues),
      );
    }
    if (this.closed) return Promise.reject(new RpcError('CLOSED', `${method}: the client was closed`));

    return new Promise<RequestResult<M>>((resolve, reject) => {
      const id = this.nextId++;
      // methods that wait on a device or the network say so in the contract
      const timeoutMs = Math.max(
        this.options.requestTimeoutMs,
        (contract as { timeoutMs?: number }).timeoutMs ?? 0,
      );
      const pending: Pending = {
        method,
        message: params === undefined ? { id, method } : { id, method, params },
        schema: contract.result as z.ZodType,
        sent: false,
        timer: setTimeout(() => {
          this.settle(id);
          reject(new RpcError('TIMEOUT', `${method}: no answer in ${Math.round(timeoutMs / 100) / 10} s`));
        }, timeoutMs),
        resolve: resolve as (value: unknown) => void,
        reject,
      };
      this.pending.set(id, pending);
      if (this.status.state === 'connected') this.sendPending(pending);
    });
  }

  /**
   * Opens a stream and keeps it open across reconnects until the returned function is
   * called. Data that fails the stream's schema is dropped (and reported), never passed on.
   */
  subscribe<S extends StreamName>(
    stream: S,
    params: StreamParams<S>,
    onData: (data: StreamData<S>) => void,
    options: { onError?: (error: RpcError) => void } = {},
  ): () => void {
    const contract = streams[stream];
    const sub: Subscription = {
      stream,
      params,
      schema: contract.data as z.ZodType,
      onData: onData as (data: unknown) => void,
      onError: options.onError,
      serverSub: null,
      active: true,
    };
    const checked = (contract.params as z.ZodType).safeParse(params);
    if (!checked.success) {
      const error = new RpcError('INVALID_PARAMS', `${stream}: ${describeIssues(checked.error)}`);
      queueMicrotask(() => this.reportSubscriptionError(sub, error));
      return () => {};
    }
    const localId = this.nextLocalSub++;
    this.subscriptions.set(localId, sub);
    if (this.status.state === 'connected') this.openStream(sub);
    return () => {
      if (!sub.active) return;
      sub.active = false;
      this.subscriptions.delete(localId);
      if (sub.serverSub !== null) {
        this.byServerSub.delete(sub.serverSub);
        this.closeStream(sub.serverSub);
        sub.serverSub = null;
      }
      // still opening: the answer handler sees active=false and closes it then
    };
  }

  // --- connection -------------------------------------------------------------------

  private attempt(): void {
    if (this.closed) return;
    this.retryTimer = null;
    this.setStatus({ state: 'connecting', error: this.status.error });
    this.options.connect().then(
      (transport) => this.adopt(transport),
      (error: unknown) => {
        if (this.closed) return;
        this.setStatus({
          state: 'disconnected',
          error: error instanceof Error ? error.message : String(error),
        });
        this.scheduleRetry();
      },
    );
  }

  private adopt(transport: MessageTransport): void {
    if (this.closed) {
      transport.close();
      return;
    }
    this.failures = 0;
    this.transport = transport;
    const stopMessages = transport.onMessage((message) => {
      if (this.transport === transport) this.handleMessage(message);
    });
    const stopClose = transport.onClose(() => {
      if (this.transport === transport) this.lost('the engine connection closed');
    });
    this.detachTransport = () => {
      stopMessages();
      stopClose();
    };
    this.setStatus({ state: 'connected', error: null });
    // the status listeners may have closed us or the transport may have died meanwhile
    if (this.transport !== transport) return;
    for (const pending of this.pending.values()) if (!pending.sent) this.sendPending(pending);
    for (const sub of this.subscriptions.values()) this.openStream(sub);
  }

  private lost(reason: string): void {
    this.dropTransport();
    // sent requests may or may not have run; only the caller can decide to retry them
    for (const [id, pending] of this.pending) {
      if (!pending.sent) continue;
      this.settle(id);
      pending.reject(new RpcError('CLOSED', `${pending.method}: ${reason} before the answer`));
    }
    this.setStatus({ state: 'disconnected', error: reason });
    this.scheduleRetry();
  }

  private dropTransport(): void {
    this.detachTransport?.();
    this.detachTransport = null;
    this.transport = null;
    this.byServerSub.clear();
    this.earlyMessages = [];
    for (const sub of this.subscriptions.values()) sub.serverSub = null;
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer !== null) return;
    const { minRetryMs, maxRetryMs, random } = this.options;
    const base = Math.min(maxRetryMs, minRetryMs * 2 ** this.failures);
    this.failures = Math.min(this.failures + 1, 20);
    // jitter keeps many windows from hammering a restarted engine in lockstep
    const delay = Math.round(base * (0.75 + 0.5 * random()));
    this.retryTimer = setTimeout(() => this.attempt(), delay);
  }

  private setStatus(status: ConnectionStatus): void {
    if (status.state === this.status.state && status.error === this.status.error) return;
    this.status = status;
    for (const listener of [...this.statusListeners]) listener(status);
  }

  // --- requests ---------------------------------------------------------------------

  private sendPending(pending: Pending): void {
    if (!this.transport) return; // stays queued for the next connection
    pending.sent = true;
    this.send(pending.message);
  }

  private send(message: unknown): void {
    try {
      this.transport?.send(message);
    } catch (error) {
      // a transport that throws on send is as good as closed
      this.lost(`send failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private settle(id: number): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.pending.delete(id);
  }

  /** A request the client makes for itself (stream bookkeeping), outside the typed API. */
  private internalRequest<M extends 'stream.subscribe' | 'stream.unsubscribe'>(
    method: M,
    params: RequestParams<M>,
  ): Promise<RequestResult<M>> {
    return (this.request as (m: M, p: RequestParams<M>) => Promise<RequestResult<M>>)(method, params);
  }

  // --- streams ----------------------------------------------------------------------

  private openStream(sub: Subscription): void {
    const transport = this.transport;
    this.internalRequest('stream.subscribe', { stream: sub.stream, params: sub.params }).then(
      ({ sub: serverSub }) => {
        if (this.transport !== transport) return; // answered on a connection that is gone
        if (!sub.active) {
          this.closeStream(serverSub);
          return;
        }
        sub.serverSub = serverSub;
        this.byServerSub.set(serverSub, sub);
        const early = this.earlyMessages.filter((m) => m.sub === serverSub);
        if (early.length > 0) {
          this.earlyMessages = this.earlyMessages.filter((m) => m.sub !== serverSub);
          for (const message of early) this.deliver(sub, message.stream, message.data);
        }
      },
      (error: RpcError) => {
        // CLOSED: the reconnect reopens it; anything else is the subscriber's business
        if (error.code !== 'CLOSED' && sub.active) this.reportSubscriptionError(sub, error);
      },
    );
  }

  private closeStream(serverSub: number): void {
    if (this.status.state !== 'connected') return; // the engine drops streams with the connection
    this.internalRequest('stream.unsubscribe', { sub: serverSub }).catch(() => {
      // nothing to do: the stream dies with the connection at the latest
    });
  }

  private reportSubscriptionError(sub: Subscription, error: RpcError): void {
    if (sub.onError) sub.onError(error);
    else this.options.onProtocolError?.(`stream ${sub.stream}: ${error.code} ${error.message}`);
  }

  private deliver(sub: Subscription, stream: string, data: unknown): void {
    if (stream !== sub.stream) {
      this.options.onProtocolError?.(`stream message for ${stream} on a ${sub.stream} subscription: dropped`);
      return;
    }
    const checked = sub.schema.safeParse(data);
    if (!checked.success) {
      this.options.onProtocolError?.(`invalid ${stream} data dropped: ${describeIssues(checked.error)}`);
      return;
    }
    try {
      sub.onData(checked.data);
    } catch (error) {
      // one broken view must not stop the others from getting their data
      setTimeout(() => {
        throw error;
      });
    }
  }

  // --- incoming ---------------------------------------------------------------------

  private handleMessage(message: unknown): void {
    if (!isObject(message)) {
      this.options.onProtocolError?.('non-object message dropped');
      return;
    }
    if ('stream' in message) {
      const parsed = StreamMessageSchema.safeParse(message);
      if (!parsed.success) {
        this.options.onProtocolError?.(`malformed stream message dropped: ${describeIssues(parsed.error)}`);
        return;
      }
      const { stream, sub: serverSub, data } = parsed.data;
      const sub = this.byServerSub.get(serverSub);
      if (sub) this.deliver(sub, stream, data);
      else {
        this.earlyMessages.push({ stream, sub: serverSub, data });
        if (this.earlyMessages.length > EARLY_MESSAGE_LIMIT) this.earlyMessages.shift();
      }
      return;
    }
    const id = message.id;
    if (typeof id !== 'number') {
      // {id: null, error}: the engine could not read one of our messages at all
      if (isObject(message.error)) {
        this.options.onProtocolError?.(`engine rejected a message: ${String(message.error.message)}`);
      } else this.options.onProtocolError?.('message without id dropped');
      return;
    }
    const pending = this.pending.get(id);
    if (!pending) return; // timed out already, or not ours
    this.settle(id);
    if ('error' in message) {
      pending.reject(this.toRpcError(pending.method, message.error));
      return;
    }
    if (!('result' in message)) {
      pending.reject(new RpcError('BAD_MESSAGE', `${pending.method}: response has neither result nor error`));
      return;
    }
    const checked = pending.schema.safeParse(message.result);
    if (!checked.success) {
      pending.reject(
        new RpcError(
          'INVALID_RESULT',
          `${pending.method}: result does not match the contract (${describeIssues(checked.error)})`,
          checked.error.issues,
        ),
      );
      return;
    }
    pending.resolve(checked.data);
  }

  private toRpcError(method: string, payload: unknown): RpcError {
    const parsed = RpcErrorSchema.safeParse(payload);
    if (parsed.success) return new RpcError(parsed.data.code, parsed.data.message, parsed.data.details);
    // an engine newer than this UI may send codes we do not know: keep its message
    if (isObject(payload) && typeof payload.message === 'string') {
      const code =
        typeof payload.code === 'string' && KNOWN_CODES.has(payload.code) ? payload.code : 'INTERNAL';
      return new RpcError(code as ErrorCode, payload.message, payload.details);
    }
    return new RpcError('BAD_MESSAGE', `${method}: malformed error response`);
  }
}
