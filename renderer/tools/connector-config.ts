/**
 * Turns the add-connector form's fields (all strings and booleans, as inputs hold them)
 * into the `config` that connectors.add takes. Obvious problems are caught here, every
 * field at once (a missing path, a baud rate that is no number, a malformed UUID), so the
 * user hears about them before a round trip; the engine has the last word and its
 * INVALID_PARAMS issues land beside the same fields (FIELD_ALIASES maps their paths).
 */
import { BLE_UUID_MAX_LENGTH, isBleUuid } from '../../common/ble-uuid';
import { buildMapping, type MappingFields } from './payload-mapping-fields';

export type ConnectorKind = 'serial' | 'mqtt' | 'ble';

/** input lengths, as the engine's connector schemas allow them */
export const LIMITS = {
  id: 200,
  label: 200,
  path: 1000,
  deviceId: 200,
  profile: 200,
  clientId: 256,
  namePrefix: 64,
  serviceUuids: 32,
  /** 32 UUIDs of 36 characters with a separator each */
  serviceUuidsText: 32 * (BLE_UUID_MAX_LENGTH + 2),
} as const;
export const BAUD_MIN = 50;
export const BAUD_MAX = 20_000_000;

export const SERIAL_LABELS = {
  id: 'Connector id',
  label: 'Label',
  path: 'Path',
  baudRate: 'Baud rate',
  format: 'Format',
  dataBits: 'Data bits',
  parity: 'Parity',
  stopBits: 'Stop bits',
  flowControl: 'Flow control',
  deviceId: 'Device id',
  profile: 'Profile',
} as const;
export const MQTT_LABELS = {
  id: 'Connector id',
  label: 'Label',
  url: 'Broker URL',
  username: 'Username',
  password: 'Password',
  clientId: 'Client id',
  qos: 'QoS',
  topicTemplates: 'Topic templates',
  sparkplugGroupId: 'Sparkplug group id',
  sparkplugReorderMs: 'Reorder timeout (ms)',
  payloadMappings: 'Payload mapping',
  ca: 'CA certificate (PEM)',
  cert: 'Client certificate (PEM)',
  key: 'Client key (PEM)',
} as const;
export const BLE_LABELS = {
  id: 'Connector id',
  label: 'Label',
  namePrefix: 'Name prefix',
  serviceUuids: 'Service UUIDs',
} as const;
export type SerialFieldKey = keyof typeof SERIAL_LABELS;
export type MqttFieldKey = keyof typeof MQTT_LABELS;
export type BleFieldKey = keyof typeof BLE_LABELS;
export type ConnectorFieldKey = SerialFieldKey | MqttFieldKey | BleFieldKey;

export const FIELD_LABELS: Record<ConnectorKind, Readonly<Record<string, string>>> = {
  serial: SERIAL_LABELS,
  mqtt: MQTT_LABELS,
  ble: BLE_LABELS,
};

/** engine config paths that are not named like the form field showing them */
export const FIELD_ALIASES: Readonly<Record<string, ConnectorFieldKey>> = {
  subscriptions: 'topicTemplates',
  'sparkplug.groupId': 'sparkplugGroupId',
  'sparkplug.reorderTimeoutMs': 'sparkplugReorderMs',
  'scan.serviceUuids': 'serviceUuids',
  'scan.namePrefix': 'namePrefix',
};

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

export type FieldErrors = Partial<Record<ConnectorFieldKey, string>>;
export type BuildResult = { ok: true; config: Record<string, unknown> } | { ok: false; errors: FieldErrors };

/** the id and label checks all three kinds share */
function commonErrors(f: { id: string; label: string }): FieldErrors {
  const errors: FieldErrors = {};
  const id = f.id.trim();
  if (id.length > LIMITS.id) errors.id = `at most ${LIMITS.id} characters`;
  if (f.label.trim().length > LIMITS.label) errors.label = `at most ${LIMITS.label} characters`;
  return errors;
}

function result(errors: FieldErrors, config: () => Record<string, unknown>): BuildResult {
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, config: config() };
}

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
  const errors = commonErrors(f);
  const path = f.path.trim();
  if (path === '') errors.path = 'pick a port or type its path (e.g. /dev/ttyUSB0)';
  else if (path.length > LIMITS.path) errors.path = `at most ${LIMITS.path} characters`;
  const baudRate = f.baudRate.trim() === '' ? Number.NaN : Number(f.baudRate);
  if (!Number.isInteger(baudRate) || baudRate < BAUD_MIN || baudRate > BAUD_MAX)
    errors.baudRate = `a whole number from ${BAUD_MIN} to ${BAUD_MAX}`;
  return result(errors, () => ({
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
  }));
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
  const errors = commonErrors(f);
  const url = f.url.trim();
  if (url === '' || /^[a-z]+:\/\/$/i.test(url)) {
    errors.url = 'the broker URL, like mqtt://host:1883 (or mqtts://, ws://, wss://)';
  }
  const subscriptions: Record<string, unknown>[] = [];
  for (const line of f.topicTemplates.split('\n').map((l) => l.trim())) {
    if (line === '') continue;
    const subscription: Record<string, unknown> = parseTopicTemplate(line);
    const mapping = f.payloadMappings[line];
    if (mapping) {
      const built = buildMapping(mapping);
      if (!built.ok) errors.payloadMappings = `${line}: ${built.error}`;
      else if (built.payload) subscription.payload = built.payload;
    }
    subscriptions.push(subscription);
  }
  if (subscriptions.length === 0 && !f.sparkplug) {
    errors.topicTemplates = 'at least one topic template, or turn on Sparkplug B';
  }
  const reorderTimeoutMs = Number(f.sparkplugReorderMs.trim());
  if (
    f.sparkplug &&
    !(Number.isInteger(reorderTimeoutMs) && reorderTimeoutMs >= 10 && reorderTimeoutMs <= 60_000)
  ) {
    errors.sparkplugReorderMs = 'a whole number of milliseconds from 10 to 60000';
  }
  if (f.clientId.trim().length > LIMITS.clientId) errors.clientId = `at most ${LIMITS.clientId} characters`;
  return result(errors, () => ({
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
  }));
}

export function buildBleConfig(f: BleFields, taken: readonly string[]): BuildResult {
  const errors = commonErrors(f);
  const serviceUuids = f.serviceUuids.split(/[\s,]+/).filter(Boolean);
  const bad = serviceUuids.filter((u) => !isBleUuid(u));
  if (bad.length > 0) {
    errors.serviceUuids = `${bad.slice(0, 3).join(', ')} ${bad.length === 1 ? 'is' : 'are'} not a Bluetooth UUID: use 16-bit like 180F or 0x180F, or 128-bit like 0000180f-0000-1000-8000-00805f9b34fb`;
  } else if (serviceUuids.length > LIMITS.serviceUuids) {
    errors.serviceUuids = `at most ${LIMITS.serviceUuids} UUIDs`;
  }
  if (f.namePrefix.length > LIMITS.namePrefix) errors.namePrefix = `at most ${LIMITS.namePrefix} characters`;
  return result(errors, () => ({
    id: optional(f.id) ?? suggestId('ble', f.namePrefix || 'radio', taken),
    label: optional(f.label),
    scan: { serviceUuids, namePrefix: optional(f.namePrefix) },
    autoConnect: f.autoConnect,
  }));
}
