/**
 * The one message format that runs over every transport (MessagePort in Electron,
 * WebSocket in the browser). Only the transport differs; framing and validation don't.
 *
 *   request   {id, method, params}
 *   response  {id, result} | {id, error}
 *   stream    {stream, sub, data}
 */
import { z } from 'zod';

export const ERROR_CODES = [
  'BAD_MESSAGE',
  'UNKNOWN_METHOD',
  'INVALID_PARAMS',
  'INVALID_RESULT',
  'NOT_FOUND',
  'UNAVAILABLE',
  'INTERNAL',
  'CLOSED',
  'TIMEOUT',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const RpcErrorSchema = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  details: z.unknown().optional(),
});
export type RpcErrorPayload = z.infer<typeof RpcErrorSchema>;

export const RequestMessageSchema = z.object({
  id: z.number().int().nonnegative(),
  method: z.string().min(1).max(100),
  params: z.unknown().optional(),
});
export type RequestMessage = z.infer<typeof RequestMessageSchema>;

export const ResponseMessageSchema = z.union([
  z.object({ id: z.number().int().nonnegative(), result: z.unknown() }),
  z.object({ id: z.number().int().nonnegative().nullable(), error: RpcErrorSchema }),
]);
export type ResponseMessage = z.infer<typeof ResponseMessageSchema>;

export const StreamMessageSchema = z.object({
  stream: z.string(),
  sub: z.number().int().nonnegative(),
  data: z.unknown(),
});
export type StreamMessage = z.infer<typeof StreamMessageSchema>;

export const ServerMessageSchema = z.union([StreamMessageSchema, ResponseMessageSchema]);
export type ServerMessage = z.infer<typeof ServerMessageSchema>;

/** An error that crosses the wire with a code the other side can act on. */
export class RpcError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'RpcError';
    this.code = code;
    this.details = details;
  }
  toPayload(): RpcErrorPayload {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/**
 * What the engine and the client need from a transport. Messages are plain objects;
 * a transport that carries text (WebSocket) does the JSON itself.
 */
export interface MessageTransport {
  send(message: unknown): void;
  /** returns an unsubscribe function */
  onMessage(listener: (message: unknown) => void): () => void;
  onClose(listener: () => void): () => void;
  close(): void;
}
