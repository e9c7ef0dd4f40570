/**
 * Turns the add-connector form's fields (all strings and booleans, as inputs hold them)
 * into the `config` that connectors.add takes. Only obvious gaps are caught here (a
 * missing path or URL) so the user hears about them before a round trip; everything
 * else is the engine's to judge, and its INVALID_PARAMS message is shown as it is.
 */
import { buildMapping, type MappingFields } from './payload-mapping-fields';

export type ConnectorKind = 'serial' | 'mqtt' | 'ble';

export const SERIAL_FORMATS = ['json-lines', 'csv', 'key-value', 'cobs-crc', 'slip-crc'] as const;
export const BAUD_RATES = [9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600] as const;

export interface SerialFields {
  id: string;
  label: string;
  path: string;
  baudRate: string;
  dataBits: '5' | '6' | '7' | '8';
  parity: 'none' | 'even' | 'odd';
  stopBits: '1' | '2';
  flowControl: 'none' | 'rtscts' | 'xonxoff';
  format: (typeof SERIAL_FORMATS)[number];
  deviceId: string;
  profile: string;
}

export interface MqttFields {
  id: string;
  label: string;
  url: string;
  username: string;
  password: string;
  ca: string;
  cert: string;
  key: string;
  rejectUnauthorized: boolean;
  clientId: string;
  clean: boolean;
  qos: '0' | '1' | '2';
  /** one topic template per line; `{name=value}` pins a placeholder (becomes `fixed`) */
  topicTemplates: string;
  /** payload mapping per template line (as typed, trimmed); lines without one take every field */
  payloadMappings: Record<string, MappingFields>;
  sparkplug: boolean;
  sparkplugGroupId: string;
  /** Sparkplug "Reorder Timeout", ms */
  sparkplugReorderMs: string;
}

export interface BleFields {
  id: string;
  label: string;
  namePrefix: string;
  /** comma or space separated */
  serviceUuids: string;
  autoConnect: boolean;
}

export const defaultSerialFields = (): SerialFields => ({
  id: '',
  label: '',
  path: '',
  baudRate: '115200',
  dataBits: '8',
  parity: 'none',
  stopBits: '1',
  flowControl: 'none',
  format: 'json-lines',
  deviceId: '',
  profile: '',
});

export const defaultMqttFields = (): MqttFields => ({
  id: '',
  label: '',
  url: 'mqtt://',
  username: '',
  password: '',
  ca: '',
  cert: '',
  key: '',
  rejectUnauthorized: true,
  clientId: '',
  clean: true,
  qos: '1',
  topicTemplates: '',
  payloadMappings: {},
  sparkplug: false,
  sparkplugGroupId: '',
  sparkplugReorderMs: '2000',
});

export const defaultBleFields = (): BleFields => ({
  id: '',
  label: '',
  namePrefix: '',
  serviceUuids: '',
  autoConnect: true,
});

export type BuildResult = { ok: true; config: Record<string, unknown> } | { ok: false; error: string };

/** Empty inputs are left out, so the engine's defaults apply rather than "". */
function optional(value: string): string | undefined {
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** A connector id nobody typed: the kind plus a short suffix from the path or URL. */
export function suggestId(kind: ConnectorKind, hint: string, taken: readonly string[]): string {
  const base = `${kind}-${
    hint
      .replace(/^[a-z]+:\/\//i, '')
      .split(/[/:]/)
      .filter(Boolean)
      .pop()
      ?.replace(/[^A-Za-z0-9_.-]/g, '')
      .slice(0, 40) || 'new'
  }`;
  let id = base;
  for (let n = 2; taken.includes(id); n++) id = `${base}-${n}`;
  return id;
}

export function buildSerialConfig(f: SerialFields, taken: readonly string[]): BuildResult {
  const path = f.path.trim();
  if (path === '') return { ok: false, error: 'Pick a port or type its path (e.g. /dev/ttyUSB0).' };
  const baudRate = Number(f.baudRate);
  if (!Number.isInteger(baudRate) || baudRate <= 0)
    return { ok: false, error: 'Baud rate must be a whole number.' };
  return {
    ok: true,
    config: {
      id: optional(f.id) ?? suggestId('serial', path, taken),
      label: optional(f.label),
      path,
      baudRate,
      dataBits: Number(f.dataBits),
      parity: f.parity,
      stopBits: Number(f.stopBits),
      flowControl: f.flowControl,
      format: f.format,
      deviceId: optional(f.deviceId),
      profile: optional(f.profile),
    },
  };
}

/** `plant/{site=north}/{deviceId}/{metric}` → template `plant/{site}/{deviceId}/{metric}`, fixed {site:'north'}. */
export function parseTopicTemplate(line: string): { topicTemplate: string; fixed?: Record<string, string> } {
  const fixed: Record<string, string> = {};
  const topicTemplate = line.trim().replace(/\{([^{}=]+)=([^{}]+)\}/g, (_m, name: string, value: string) => {
    fixed[name.trim()] = value.trim();
    return `{${name.trim()}}`;
  });
  return Object.keys(fixed).length > 0 ? { topicTemplate, fixed } : { topicTemplate };
}

export function buildMqttConfig(f: MqttFields, taken: readonly string[]): BuildResult {
  const url = f.url.trim();
  if (url === '' || /^[a-z]+:\/\/$/i.test(url)) {
    return { ok: false, error: 'Give the broker URL (mqtt://host:1883, mqtts://, ws:// or wss://).' };
  }
  const subscriptions: Record<string, unknown>[] = [];
  for (const line of f.topicTemplates.split('\n').map((l) => l.trim())) {
    if (line === '') continue;
    const subscription: Record<string, unknown> = parseTopicTemplate(line);
    const mapping = f.payloadMappings[line];
    if (mapping) {
      const built = buildMapping(mapping);
      if (!built.ok) return { ok: false, error: `Payload mapping of ${line}: ${built.error}` };
      if (built.payload) subscription.payload = built.payload;
    }
    subscriptions.push(subscription);
  }
  if (subscriptions.length === 0 && !f.sparkplug) {
    return { ok: false, error: 'Add at least one topic template, or turn on Sparkplug B.' };
  }
  const reorderTimeoutMs = Number(f.sparkplugReorderMs.trim());
  if (
    f.sparkplug &&
    !(Number.isInteger(reorderTimeoutMs) && reorderTimeoutMs >= 10 && reorderTimeoutMs <= 60_000)
  ) {
    return {
      ok: false,
      error: 'The Sparkplug reorder timeout is a whole number of milliseconds, 10 to 60000.',
    };
  }
  return {
    ok: true,
    config: {
      id: optional(f.id) ?? suggestId('mqtt', url.replace(/:\d+\/?$/, ''), taken),
      label: optional(f.label),
      url,
      username: optional(f.username),
      // a password may legitimately start or end with spaces: only "" means none
      password: f.password === '' ? undefined : f.password,
      ca: optional(f.ca),
      cert: optional(f.cert),
      key: optional(f.key),
      rejectUnauthorized: f.rejectUnauthorized,
      clientId: optional(f.clientId),
      clean: f.clean,
      qos: Number(f.qos),
      subscriptions,
      sparkplug: f.sparkplug ? { groupId: optional(f.sparkplugGroupId), reorderTimeoutMs } : undefined,
    },
  };
}

export function buildBleConfig(f: BleFields, taken: readonly string[]): BuildResult {
  const serviceUuids = f.serviceUuids.split(/[\s,]+/).filter(Boolean);
  return {
    ok: true,
    config: {
      id: optional(f.id) ?? suggestId('ble', f.namePrefix || 'radio', taken),
      label: optional(f.label),
      scan: { serviceUuids, namePrefix: optional(f.namePrefix) },
      autoConnect: f.autoConnect,
    },
  };
}
