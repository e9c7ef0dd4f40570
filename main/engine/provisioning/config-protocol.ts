/**
 * Fieldline's device configuration protocol, version 1 (resources/docs/device-config-protocol.md):
 * one request or reply per text line, so it shares a UART with Improv frames and log text
 * and travels unchanged over BLE.
 *
 *   FLCFG1 <id> <command> <json>
 *   FLCFG1 <id> ok <json>
 *   FLCFG1 <id> err <code> <message>
 *
 * This module is the wire format and the schemas of every payload, shared by the client
 * and the simulated device, so both sides validate the same things.
 */
import { X509Certificate } from 'node:crypto';
import { z } from 'zod';

export const CONFIG_MAGIC = 'FLCFG1';
/** a line, magic to last byte, without its newline; a certificate chain and key fit easily */
export const MAX_CONFIG_LINE_BYTES = 16 * 1024;

const ID = /^[A-Za-z0-9]{1,12}$/;
const COMMAND = /^[a-z][a-z0-9.]{0,31}$/;
const CODE = /^[a-z][a-z-]{0,31}$/;

export const CONFIG_ERROR_CODES = [
  'bad-request',
  'unknown-command',
  'invalid-value',
  'too-long',
  'unsupported-version',
  'busy',
  'internal',
] as const;
export type ConfigErrorCode = (typeof CONFIG_ERROR_CODES)[number];

export interface ConfigRequest {
  id: string;
  command: string;
  payload: unknown;
}

export type ConfigReply =
  | { id: string; ok: true; payload: unknown }
  | { id: string; ok: false; code: string; message: string };

const byteLength = (s: string) => Buffer.byteLength(s, 'utf8');

/** True when a line is meant for this protocol (any version), so it is not shown as a log line. */
export function isConfigLine(line: string): boolean {
  return /^FLCFG\d+ /.test(line);
}

export function encodeRequest(id: string, command: string, payload: unknown = {}): string {
  if (!ID.test(id)) throw new RangeError(`bad request id ${JSON.stringify(id)}`);
  if (!COMMAND.test(command)) throw new RangeError(`bad command ${JSON.stringify(command)}`);
  const line = `${CONFIG_MAGIC} ${id} ${command} ${JSON.stringify(payload ?? {})}`;
  if (byteLength(line) > MAX_CONFIG_LINE_BYTES)
    throw new RangeError(
      `request is ${byteLength(line)} bytes, the protocol allows ${MAX_CONFIG_LINE_BYTES}`,
    );
  return line;
}

export function encodeOk(id: string, payload: unknown = {}): string {
  return `${CONFIG_MAGIC} ${id} ok ${JSON.stringify(payload ?? {})}`;
}

export function encodeErr(id: string, code: ConfigErrorCode, message: string): string {
  // one line: the message loses its line breaks, and stays well under the limit
  const clean = message.replace(/[\r\n]+/g, ' ').slice(0, 500);
  return `${CONFIG_MAGIC} ${id} err ${code} ${clean}`;
}

/** splits "<a> <b> <rest>" without regex backtracking on long lines */
function words(line: string, n: number): string[] | undefined {
  const out: string[] = [];
  let at = 0;
  for (let k = 0; k < n - 1; k++) {
    const sp = line.indexOf(' ', at);
    if (sp < 0) return undefined;
    out.push(line.slice(at, sp));
    at = sp + 1;
  }
  out.push(line.slice(at));
  return out;
}

function parseJson(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (e) {
    return { error: `payload is not JSON (${e instanceof Error ? e.message : String(e)})` };
  }
}

/** The device side: a request, an error to answer with (id known or '?'), or null when the line is not for us. */
export function parseRequest(
  line: string,
): ConfigRequest | { error: { id: string; code: ConfigErrorCode; message: string } } | null {
  if (!isConfigLine(line)) return null;
  const idGuess = words(line, 3)?.[1];
  const id = idGuess && ID.test(idGuess) ? idGuess : '0';
  if (!line.startsWith(`${CONFIG_MAGIC} `))
    return { error: { id, code: 'unsupported-version', message: `this device speaks ${CONFIG_MAGIC}` } };
  if (byteLength(line) > MAX_CONFIG_LINE_BYTES)
    return {
      error: { id, code: 'too-long', message: `requests are at most ${MAX_CONFIG_LINE_BYTES} bytes` },
    };
  const w = words(line, 4);
  const parts = w ?? words(line, 3);
  if (!parts || !ID.test(parts[1] ?? ''))
    return { error: { id, code: 'bad-request', message: 'bad request id' } };
  if (!COMMAND.test(parts[2] ?? ''))
    return { error: { id, code: 'bad-request', message: 'bad command name' } };
  if (!w) return { id: parts[1]!, command: parts[2]!, payload: {} };
  const json = parseJson(w[3]!);
  if ('error' in json) return { error: { id, code: 'bad-request', message: json.error } };
  return { id: w[1]!, command: w[2]!, payload: json.value };
}

/** The host side: a reply, an error describing a malformed one, or null when the line is not a reply. */
export function parseReply(line: string): ConfigReply | { error: string; id?: string } | null {
  if (!line.startsWith(`${CONFIG_MAGIC} `)) return null;
  if (byteLength(line) > MAX_CONFIG_LINE_BYTES) return { error: 'reply longer than the protocol allows' };
  const head = words(line, 3);
  if (!head || !ID.test(head[1]!)) return { error: 'reply without a valid request id' };
  const id = head[1]!;
  const rest = head[2]!;
  if (rest === 'ok' || rest.startsWith('ok ')) {
    const json = parseJson(rest.length > 3 ? rest.slice(3) : '{}');
    if ('error' in json) return { error: json.error, id };
    return { id, ok: true, payload: json.value };
  }
  if (rest.startsWith('err ')) {
    const e = words(rest, 3) ?? [...(words(rest, 2) ?? ['err', '']), ''];
    const code = e[1] ?? '';
    if (!CODE.test(code)) return { error: 'error reply without a valid code', id };
    return { id, ok: false, code, message: (e[2] ?? '').slice(0, 500) };
  }
  // a request line echoed back by a terminal, or a device-initiated line: not a reply
  return null;
}

// ---- payloads --------------------------------------------------------------------------

const text = (max: number) => z.string().max(max);

export const DeviceInfoReplySchema = z.object({
  serialNumber: text(128),
  model: text(128),
  hardwareVersion: text(64),
  firmwareVersion: text(64),
  mac: text(64),
  deviceId: text(64).nullable(),
});
export type DeviceInfoReply = z.infer<typeof DeviceInfoReplySchema>;

export const WIFI_STATES = [
  'disconnected',
  'connecting',
  'connected',
  'wrong-password',
  'no-network',
] as const;
export const BROKER_STATES = [
  'disconnected',
  'connecting',
  'connected',
  'unreachable',
  'tls-refused',
  'auth-refused',
] as const;

export const DeviceStatusReplySchema = z.object({
  wifi: z.enum(WIFI_STATES),
  broker: z.enum(BROKER_STATES),
  lastError: text(1000).nullable(),
  uptimeS: z.number().nonnegative().finite(),
  /** optional extras a device may add */
  ssid: text(64).nullable().optional(),
  rssi: z.number().finite().nullable().optional(),
});
export type DeviceStatusReply = z.infer<typeof DeviceStatusReplySchema>;

const deviceIdValue = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);

/** The keys config.set accepts; config.get returns all of them. */
export const DeviceConfigSchema = z
  .object({
    deviceId: deviceIdValue.nullable(),
    brokerUrl: z
      .string()
      .max(500)
      .regex(/^(mqtts?|wss?):\/\/[^\s]+$/)
      .nullable(),
    /** fractions allowed so tests can report faster than once a second */
    reportingIntervalS: z.number().min(0.05).max(86_400),
    topicPrefix: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[^#+\s]+$/),
  })
  .strict();
export type DeviceConfig = z.infer<typeof DeviceConfigSchema>;
export const DeviceConfigPatchSchema = DeviceConfigSchema.partial().strict();

export const X509CredentialsSchema = z
  .object({
    kind: z.literal('x509'),
    certificatePem: text(8000),
    privateKeyPem: text(8000),
    caPem: text(8000),
  })
  .strict();
export type X509Credentials = z.infer<typeof X509CredentialsSchema>;

export const PskCredentialsSchema = z
  .object({
    kind: z.literal('psk'),
    identity: z.string().min(1).max(128),
    keyHex: z
      .string()
      .min(32)
      .max(128)
      .regex(/^([0-9a-fA-F]{2})+$/),
    /** the CA to check the broker's certificate with when the broker URL is mqtts:// or wss:// */
    caPem: text(8000).optional(),
  })
  .strict();
export type PskCredentials = z.infer<typeof PskCredentialsSchema>;

export const CredentialsSchema = z.discriminatedUnion('kind', [X509CredentialsSchema, PskCredentialsSchema]);

export const FingerprintReplySchema = z.object({
  fingerprint: z.string().regex(/^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/),
});
export const EmptyReplySchema = z.object({}).passthrough();

/** SHA-256 of the certificate's DER, AB:CD:… (openssl x509 -fingerprint -sha256). Throws on a bad PEM. */
export function x509Fingerprint(certificatePem: string): string {
  return new X509Certificate(certificatePem).fingerprint256;
}

export { pskFingerprint } from '../pki/fingerprints';
