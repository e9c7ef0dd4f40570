/**
 * The sink form's text fields to and from the sync contract's configs.
 *
 * - Secrets (authorization header, client key, MQTT password) come back from sync.getSink
 *   as "<stored>", never their value. The form shows them empty with a "stored" hint; an
 *   empty secret field that had a stored value is sent as the marker again so the engine
 *   keeps it, and "Forget" sends nothing, which deletes it.
 * - Settings the form has no input for are carried over from the saved config.
 * - The checks here name the field at fault before anything is sent; the contract's own
 *   schema runs last, so the engine never sees a config the form thinks is fine but it won't.
 */

import {
  HttpSinkConfigSchema,
  MqttSinkConfigSchema,
  SECRET_STORED,
  type SinkKind,
} from '../../common/sync-contract';
import { fieldIssues } from '../../common/validation-messages';
import { formErrorsFromIssues, pathMapper } from '../tools/form-errors';

export interface SinkFields {
  name: string;
  enabled: boolean;
  url: string;
  /** HTTP */
  authorization: string;
  downUrl: string;
  timeoutS: string;
  /** MQTT */
  topic: string;
  receiptTopic: string;
  /** one gzipped batch per message, or one CloudEvent per message (structured content mode) */
  contentMode: 'batch' | 'structured';
  clientId: string;
  username: string;
  password: string;
  /** TLS, both kinds */
  caPem: string;
  certPem: string;
  keyPem: string;
}

export type SecretField = 'authorization' | 'password' | 'keyPem';
/** The secrets that hold a stored value the user has neither replaced nor forgotten. */
export type StoredSecrets = Record<SecretField, boolean>;
export type SinkErrors = Partial<Record<keyof SinkFields, string>>;

const SINK_FIELDS: readonly (keyof SinkFields)[] = [
  'name',
  'url',
  'authorization',
  'downUrl',
  'timeoutS',
  'topic',
  'receiptTopic',
  'clientId',
  'username',
  'password',
  'caPem',
  'certPem',
  'keyPem',
];

/** a sink config path (or sync.addSink's "config.url") → the field showing it; the rest go to the URL */
export function sinkFieldOf(path: string): keyof SinkFields {
  const field = pathMapper(SINK_FIELDS, { timeoutMs: 'timeoutS' }, 'config')(path);
  return field ?? 'url';
}

export const NO_STORED: StoredSecrets = { authorization: false, password: false, keyPem: false };

export function defaultSinkFields(kind: SinkKind): SinkFields {
  return {
    name: '',
    enabled: true,
    url: kind === 'http' ? 'https://' : 'mqtts://',
    authorization: '',
    downUrl: '',
    timeoutS: '',
    topic: kind === 'mqtt' ? 'fieldline/{sink}/{kind}' : '',
    receiptTopic: '',
    contentMode: 'batch',
    clientId: '',
    username: '',
    password: '',
    caPem: '',
    certPem: '',
    keyPem: '',
  };
}

export interface SavedSink {
  id: string;
  kind: SinkKind;
  name: string;
  enabled: boolean;
  config: Record<string, unknown>;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const secret = (v: unknown): string => (v === SECRET_STORED ? '' : str(v));

/** The form's state for editing the sink sync.getSink described. */
export function fieldsFromSink(saved: SavedSink): { fields: SinkFields; stored: StoredSecrets } {
  const c = saved.config;
  const timeout = typeof c.timeoutMs === 'number' ? String(c.timeoutMs / 1000) : '';
  return {
    fields: {
      ...defaultSinkFields(saved.kind),
      name: saved.name,
      enabled: saved.enabled,
      url: str(c.url),
      authorization: secret(c.authorization),
      downUrl: str(c.downUrl),
      timeoutS: saved.kind === 'http' ? timeout : '',
      topic: str(c.topic),
      receiptTopic: str(c.receiptTopic),
      contentMode: c.contentMode === 'structured' ? 'structured' : 'batch',
      clientId: str(c.clientId),
      username: str(c.username),
      password: secret(c.password),
      caPem: str(c.caPem),
      certPem: str(c.certPem),
      keyPem: secret(c.keyPem),
    },
    stored: {
      authorization: c.authorization === SECRET_STORED,
      password: c.password === SECRET_STORED,
      keyPem: c.keyPem === SECRET_STORED,
    },
  };
}

const CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;
const KEY =
  /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/;
const MAX_PEM = 64 * 1024;

function checkUrl(text: string, schemes: readonly string[], what: string): string | null {
  if (text === '') return `the ${what} URL is required`;
  if (!URL.canParse(text)) return `not a URL: use ${schemes.map((s) => `${s}//`).join(', ')}`;
  const u = new URL(text);
  if (!schemes.includes(u.protocol)) return `must start with ${schemes.map((s) => `${s}//`).join(' or ')}`;
  if (u.hostname === '') return 'the URL needs a host';
  // the URL is saved and shown in plain text; credentials belong in their sealed fields
  if (u.username !== '' || u.password !== '') return 'no user or password in the URL: use the fields below';
  return null;
}

/** Placeholders the engine fills in a topic template; anything else would be sent literally. */
function checkTopic(text: string, allowed: readonly string[], required: boolean): string | null {
  if (text === '') return required ? 'a topic is required' : null;
  if (/[#+]/.test(text)) return 'no wildcards (# or +) in a publish topic';
  if (text.includes('\u0000')) return 'no NUL characters in a topic';
  for (const match of text.matchAll(/\{([^{}]*)\}/g)) {
    if (!allowed.includes(match[1] ?? '')) {
      return `unknown placeholder {${match[1]}}: use ${allowed.map((a) => `{${a}}`).join(' or ')}`;
    }
  }
  return null;
}

function checkPem(text: string, pattern: RegExp, what: string): string | null {
  if (text === '') return null;
  if (text.length > MAX_PEM) return `${what} is larger than 64 KiB`;
  return pattern.test(text) ? null : `paste the ${what} as PEM text (-----BEGIN …)`;
}

export type BuildSink =
  | { ok: true; name: string; enabled: boolean; config: Record<string, unknown> }
  | { ok: false; errors: SinkErrors };

/**
 * The name and config to send (sync.addSink, or sync.updateSink when `original` is the
 * saved config being edited), or the errors by field.
 */
export function buildSinkConfig(
  kind: SinkKind,
  f: SinkFields,
  stored: StoredSecrets = NO_STORED,
  original: Record<string, unknown> = {},
): BuildSink {
  const errors: SinkErrors = {};
  const name = f.name.trim();
  if (name === '') errors.name = 'give the sink a name';
  else if (name.length > 100) errors.name = 'at most 100 characters';

  const url = f.url.trim();
  const urlError =
    kind === 'http'
      ? checkUrl(url, ['http:', 'https:'], 'batch')
      : checkUrl(url, ['mqtt:', 'mqtts:', 'ws:', 'wss:'], 'broker');
  if (urlError) errors.url = urlError;

  const caError = checkPem(f.caPem.trim(), CERT, 'CA bundle');
  if (caError) errors.caPem = caError;
  const certError = checkPem(f.certPem.trim(), CERT, 'client certificate');
  if (certError) errors.certPem = certError;
  const keyError = checkPem(f.keyPem.trim(), KEY, 'private key');
  if (keyError) errors.keyPem = keyError;
  const hasKey = f.keyPem.trim() !== '' || stored.keyPem;
  if (f.certPem.trim() !== '' && !hasKey && !errors.keyPem)
    errors.keyPem = 'the client certificate needs its key';
  if (hasKey && f.certPem.trim() === '' && !errors.certPem)
    errors.certPem = 'the key needs its client certificate';

  // what the form has no input for stays as saved (timeouts, an MQTT ack timeout)
  const carried: Record<string, unknown> = {};
  const config: Record<string, unknown> = { url };
  if (kind === 'http') {
    if (typeof original.timeoutMs === 'number') carried.timeoutMs = original.timeoutMs;
    const auth = f.authorization.trim();
    // a header with a line break would be refused by Node (or split the request)
    if (/[\r\n\0]/.test(f.authorization)) errors.authorization = 'one line, no line breaks';
    else if (auth !== '') config.authorization = auth;
    else if (stored.authorization) config.authorization = SECRET_STORED;
    const downUrl = f.downUrl.trim();
    if (downUrl !== '') {
      const e = checkUrl(downUrl, ['http:', 'https:'], 'down-sync');
      if (e) errors.downUrl = e;
      else config.downUrl = downUrl.replace(/\/+$/, '');
    }
    const timeout = f.timeoutS.trim();
    if (timeout !== '') {
      const s = Number(timeout);
      if (!Number.isFinite(s) || s < 1 || s > 600) errors.timeoutS = '1 to 600 seconds';
      else carried.timeoutMs = Math.round(s * 1000);
    } else delete carried.timeoutMs;
  } else {
    if (typeof original.ackTimeoutMs === 'number') carried.ackTimeoutMs = original.ackTimeoutMs;
    const topic = f.topic.trim();
    const topicError = checkTopic(topic, ['sink', 'kind'], true);
    if (topicError) errors.topic = topicError;
    else config.topic = topic;
    const receipt = f.receiptTopic.trim();
    const receiptError = checkTopic(receipt, ['sink'], false);
    if (receiptError) errors.receiptTopic = receiptError;
    else if (receipt !== '' && f.contentMode === 'structured')
      errors.receiptTopic = 'receipts need one batch per message: empty this, or pick the batch format';
    else if (receipt !== '') config.receiptTopic = receipt;
    if (f.contentMode === 'structured') config.contentMode = 'structured';
    const clientId = f.clientId.trim();
    if (clientId.length > 128) errors.clientId = 'at most 128 characters';
    else if (clientId !== '') config.clientId = clientId;
    if (f.username.length > 256) errors.username = 'at most 256 characters';
    else if (f.username !== '') config.username = f.username;
    if (f.password !== '') config.password = f.password;
    else if (stored.password) config.password = SECRET_STORED;
  }
  if (f.caPem.trim() !== '') config.caPem = f.caPem.trim();
  if (f.certPem.trim() !== '') config.certPem = f.certPem.trim();
  if (f.keyPem.trim() !== '') config.keyPem = f.keyPem.trim();
  else if (stored.keyPem) config.keyPem = SECRET_STORED;

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const full = { ...carried, ...config };
  const schema = kind === 'http' ? HttpSinkConfigSchema : MqttSinkConfigSchema;
  const checked = schema.safeParse(full);
  if (!checked.success) {
    return {
      ok: false,
      errors: formErrorsFromIssues(fieldIssues(checked.error, schema), sinkFieldOf).fields,
    };
  }
  return { ok: true, name, enabled: f.enabled, config: checked.data as Record<string, unknown> };
}

/** The placeholder of a secret input. */
export function secretPlaceholder(isStored: boolean): string | undefined {
  return isStored ? 'stored — leave empty to keep' : undefined;
}
