/**
 * Serves the RPC contract over any MessageTransport. Every message is checked before a
 * handler sees it: not an object with id and method → BAD_MESSAGE; unknown method →
 * UNKNOWN_METHOD; params failing the contract's schema → INVALID_PARAMS. Results are
 * checked too, so a handler bug becomes a typed INVALID_RESULT, not a confused UI.
 */

import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import {
  isRequestName,
  isStreamName,
  type RequestName,
  type RequestParamsParsed,
  type RequestResult,
  requests,
  type StreamData,
  type StreamName,
  type StreamParamsParsed,
  streams,
} from '../../../common/contract';
import { type MessageTransport, RequestMessageSchema, RpcError } from '../../../common/protocol';
import { type FieldIssue, fieldIssues, issuesText } from '../../../common/validation-messages';
import type { Logger } from '../log';

type ServedRequest = Exclude<RequestName, 'stream.subscribe' | 'stream.unsubscribe'>;

export type RequestHandlers = {
  [M in ServedRequest]: (params: RequestParamsParsed<M>) => RequestResult<M> | Promise<RequestResult<M>>;
};

/** Starts a stream for one subscriber; returns the function that stops it. */
export type StreamSources = {
  [S in StreamName]: (params: StreamParamsParsed<S>, emit: (data: StreamData<S>) => void) => () => void;
};

/** A client that opens more streams than any screen needs is buggy or hostile. */
export const MAX_SUBSCRIPTIONS_PER_CLIENT = 64;

/** every issue in plain words with the schema's allowed range, not zod's first one */
function issuesOf(error: z.ZodError, schema?: z.ZodType): FieldIssue[] {
  return fieldIssues(error, schema);
}

/** the issues in the message too, so a client that shows only the message shows all of them */
function invalidParams(what: string, error: z.ZodError, schema: z.ZodType): RpcError {
  const issues = issuesOf(error, schema);
  return new RpcError('INVALID_PARAMS', `invalid params for ${what}: ${issuesText(issues)}`, issues);
}

export class RpcServer {
  constructor(
    private readonly handlers: RequestHandlers,
    private readonly sources: StreamSources,
    private readonly log: Logger,
  ) {}

  /**
   * What a client hears of an unexpected failure. A database error's text can hold SQL and
   * stored values, so it stays in the log under a reference; other errors (a port that
   * will not open, a device that refused) keep their message, which is what the user acts on.
   */
  private internalError(method: string, error: unknown): RpcError {
    const ref = randomBytes(4).toString('hex');
    this.log.error('handler failed', { method, ref, error: (error as Error)?.stack ?? String(error) });
    const code = String((error as { code?: unknown })?.code ?? '');
    const fromDatabase = code.startsWith('SQLITE_') || (error as Error)?.name === 'SqliteError';
    const detail =
      fromDatabase || !(error instanceof Error) ? 'an error inside the engine' : error.message.slice(0, 300);
    return new RpcError('INTERNAL', `${method} failed: ${detail} (its log has the detail, ref ${ref})`);
  }

  attach(transport: MessageTransport): () => void {
    const subscriptions = new Map<number, () => void>();
    let nextSub = 1;
    let closed = false;

    const detach = () => {
      if (closed) return;
      closed = true;
      stopMessages();
      stopClose();
      for (const stop of subscriptions.values()) stop();
      subscriptions.clear();
    };

    const reply = (id: number | null, outcome: { result: unknown } | { error: RpcError }) => {
      if (closed) return;
      transport.send(
        'result' in outcome ? { id, result: outcome.result } : { id, error: outcome.error.toPayload() },
      );
    };

    const subscribe = (params: RequestParamsParsed<'stream.subscribe'>) => {
      if (!isStreamName(params.stream))
        throw new RpcError('UNKNOWN_METHOD', `unknown stream "${params.stream}"`);
      if (subscriptions.size >= MAX_SUBSCRIPTIONS_PER_CLIENT) {
        throw new RpcError('UNAVAILABLE', `at most ${MAX_SUBSCRIPTIONS_PER_CLIENT} streams per client`);
      }
      const stream: StreamName = params.stream;
      const parsed = streams[stream].params.safeParse(params.params);
      if (!parsed.success) {
        throw invalidParams(`stream ${stream}`, parsed.error, streams[stream].params);
      }
      const sub = nextSub++;
      const emit = (data: unknown) => {
        if (!closed) transport.send({ stream, sub, data });
      };
      const start = this.sources[stream] as (p: unknown, e: (d: unknown) => void) => () => void;
      subscriptions.set(sub, start(parsed.data, emit));
      return { sub };
    };

    const unsubscribe = ({ sub }: RequestParamsParsed<'stream.unsubscribe'>) => {
      const stop = subscriptions.get(sub);
      if (!stop) return { ok: false };
      stop();
      subscriptions.delete(sub);
      return { ok: true };
    };

    const handle = async (message: unknown) => {
      const parsed = RequestMessageSchema.safeParse(message);
      if (!parsed.success) {
        const id =
          typeof message === 'object' &&
          message !== null &&
          Number.isInteger((message as { id?: unknown }).id)
            ? ((message as { id: number }).id ?? null)
            : null;
        reply(id, {
          error: new RpcError('BAD_MESSAGE', 'expected {id, method, params}', issuesOf(parsed.error)),
        });
        return;
      }
      const { id, method } = parsed.data;
      if (!isRequestName(method)) {
        reply(id, { error: new RpcError('UNKNOWN_METHOD', `unknown method "${method}"`) });
        return;
      }
      const contract = requests[method];
      const params = contract.params.safeParse(parsed.data.params);
      if (!params.success) {
        reply(id, {
          error: invalidParams(method, params.error, contract.params),
        });
        return;
      }
      try {
        let result: unknown;
        if (method === 'stream.subscribe')
          result = subscribe(params.data as RequestParamsParsed<'stream.subscribe'>);
        else if (method === 'stream.unsubscribe')
          result = unsubscribe(params.data as RequestParamsParsed<'stream.unsubscribe'>);
        else {
          const handler = this.handlers[method] as (p: unknown) => unknown;
          result = await handler(params.data);
        }
        const checked = contract.result.safeParse(result);
        if (!checked.success) {
          this.log.error('handler returned a result outside the contract', {
            method,
            issues: issuesOf(checked.error),
          });
          reply(id, { error: new RpcError('INVALID_RESULT', `${method} produced an invalid result`) });
          return;
        }
        reply(id, { result: checked.data });
      } catch (error) {
        if (error instanceof RpcError) {
          reply(id, { error });
          return;
        }
        reply(id, { error: this.internalError(method, error) });
      }
    };

    const stopMessages = transport.onMessage((message) => {
      void handle(message);
    });
    const stopClose = transport.onClose(detach);
    return detach;
  }
}
