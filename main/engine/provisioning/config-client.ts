/**
 * The host side of the configuration protocol: numbered requests, replies matched by id,
 * every reply validated, every wait bounded. Works over any link that moves lines
 * (serial, or BLE with line reassembly).
 */
import type { z } from 'zod';
import {
  type DeviceInfoReply,
  DeviceInfoReplySchema,
  type DeviceStatusReply,
  DeviceStatusReplySchema,
  EmptyReplySchema,
  encodeRequest,
  FingerprintReplySchema,
  type PskCredentials,
  parseReply,
  type X509Credentials,
} from './config-protocol';

export interface ConfigClient {
  info(): Promise<DeviceInfoReply>;
  getConfig(): Promise<Record<string, unknown>>;
  setConfig(values: Record<string, unknown>): Promise<void>;
  setCredentials(c: X509Credentials | PskCredentials): Promise<{ fingerprint: string }>;
  status(): Promise<DeviceStatusReply>;
  reboot(): Promise<void>;
}

export type ConfigErrorKind = 'timeout' | 'link' | 'bad-reply' | 'device' | 'too-long' | 'unsupported';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly kind: ConfigErrorKind,
    message: string,
    /** the device's error code, for kind 'device' */
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface ConfigLineLink {
  /** one line without its newline; the transport terminates it */
  sendLine(line: string): Promise<void>;
  onLine(listener: (line: string) => void): () => void;
  closedReason(): string | null;
  onClose(listener: (reason: string) => void): () => void;
}

export const CONFIG_TIMEOUTS = {
  default: 5_000,
  /** a device may check a key pair or write flash before answering */
  credentials: 15_000,
} as const;

export interface ConfigClientOptions {
  timeoutMs?: number;
  credentialsTimeoutMs?: number;
  /** called with a reply that could not be matched or parsed, for diagnostics */
  onStray?: (line: string, problem: string) => void;
}

/** For a device that has no configuration channel (a BLE device without the service). */
export function unsupportedConfigClient(why: string): ConfigClient {
  const no = () => Promise.reject(new ConfigError('unsupported', why));
  return { info: no, getConfig: no, setConfig: no, setCredentials: no, status: no, reboot: no };
}

export function createConfigClient(link: ConfigLineLink, options: ConfigClientOptions = {}): ConfigClient {
  const timeoutMs = options.timeoutMs ?? CONFIG_TIMEOUTS.default;
  const credentialsTimeoutMs = options.credentialsTimeoutMs ?? CONFIG_TIMEOUTS.credentials;
  let counter = Math.floor(Math.random() * 1000);
  const pending = new Map<
    string,
    (r: { ok: true; payload: unknown } | { ok: false; error: ConfigError }) => void
  >();

  link.onLine((line) => {
    const reply = parseReply(line);
    if (reply === null) return;
    if ('error' in reply) {
      const waiter = reply.id !== undefined ? pending.get(reply.id) : undefined;
      if (waiter)
        waiter({
          ok: false,
          error: new ConfigError('bad-reply', `malformed reply from the device: ${reply.error}`),
        });
      else options.onStray?.(line, reply.error);
      return;
    }
    const waiter = pending.get(reply.id);
    if (!waiter) {
      options.onStray?.(line, 'reply to no pending request');
      return;
    }
    if (reply.ok) waiter({ ok: true, payload: reply.payload });
    else
      waiter({
        ok: false,
        error: new ConfigError(
          'device',
          `the device refused: ${reply.message || reply.code} (${reply.code})`,
          reply.code,
        ),
      });
  });

  function request<S extends z.ZodType>(
    command: string,
    payload: unknown,
    schema: S,
    ms = timeoutMs,
  ): Promise<z.infer<S>> {
    return new Promise((resolve, reject) => {
      const closed = link.closedReason();
      if (closed !== null)
        return reject(new ConfigError('link', `the link to the device closed (${closed})`));
      counter = (counter + 1) % 0x7fffffff;
      const id = counter.toString(36);
      let line: string;
      try {
        line = encodeRequest(id, command, payload);
      } catch (e) {
        return reject(new ConfigError('too-long', e instanceof Error ? e.message : String(e)));
      }
      const finish = (r: { ok: true; payload: unknown } | { ok: false; error: ConfigError }) => {
        if (!pending.has(id)) return;
        pending.delete(id);
        clearTimeout(timer);
        offClose();
        if (!r.ok) return reject(r.error);
        const parsed = schema.safeParse(r.payload);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          const where = issue?.path.length ? issue.path.join('.') : 'reply';
          return reject(
            new ConfigError(
              'bad-reply',
              `the device's ${command} reply is malformed: ${where}: ${issue?.message ?? 'invalid'}`,
            ),
          );
        }
        resolve(parsed.data);
      };
      const timer = setTimeout(
        () =>
          finish({
            ok: false,
            error: new ConfigError(
              'timeout',
              `no answer to ${command} within ${(ms / 1000).toFixed(1)} s: is the device running Fieldline-compatible firmware?`,
            ),
          }),
        ms,
      );
      const offClose = link.onClose((reason) =>
        finish({
          ok: false,
          error: new ConfigError('link', `the link to the device closed during ${command} (${reason})`),
        }),
      );
      pending.set(id, finish);
      link.sendLine(line).catch((e: unknown) =>
        finish({
          ok: false,
          error: new ConfigError(
            'link',
            `could not send ${command}: ${e instanceof Error ? e.message : String(e)}`,
          ),
        }),
      );
    });
  }

  return {
    info: () => request('info', {}, DeviceInfoReplySchema),
    async getConfig() {
      const r = await request('config.get', {}, EmptyReplySchema);
      return { ...r };
    },
    async setConfig(values) {
      await request('config.set', values, EmptyReplySchema);
    },
    setCredentials: (c) => request('credentials.set', c, FingerprintReplySchema, credentialsTimeoutMs),
    status: () => request('status', {}, DeviceStatusReplySchema),
    async reboot() {
      await request('reboot', {}, EmptyReplySchema);
    },
  };
}
