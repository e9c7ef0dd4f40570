/**
 * Editing a connector with the add form: the saved config (from connectors.get) turned
 * back into the form's fields, and the edited fields turned into the config that
 * connectors.update takes.
 *
 * - Secrets come back as the marker "<stored>", never their value. The form shows them as
 *   empty ("stored — leave empty to keep"); an empty secret field is sent as the marker
 *   again, so the engine keeps the stored value. "Forget" sends nothing, which deletes it.
 * - Settings the form has no input for (MQTT session expiry, BLE device lists, reconnect
 *   timings...) are carried over from the saved config rather than reset to defaults.
 */
import {
  type BleFields,
  type ConnectorKind,
  defaultBleFields,
  defaultMqttFields,
  defaultSerialFields,
  type MqttFields,
  SERIAL_FORMATS,
  type SerialFields,
} from '../tools/connector-config';
import { type MappingFields, mappingFromConfig } from '../tools/payload-mapping-fields';

export const STORED_MARKER = '<stored>';

/** The form's secret inputs that hold a stored value the user has not replaced or forgotten. */
export interface StoredSecrets {
  password: boolean;
  key: boolean;
}

export interface EditState {
  kind: ConnectorKind;
  id: string;
  label: string;
  serial: SerialFields;
  mqtt: MqttFields;
  ble: BleFields;
  stored: StoredSecrets;
  /** the config as connectors.get gave it: the base the edit is laid over */
  original: Record<string, unknown>;
}

type Config = Record<string, unknown>;

const str = (v: unknown, fallback = ''): string =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : fallback;
const bool = (v: unknown, fallback: boolean): boolean => (typeof v === 'boolean' ? v : fallback);
const isObject = (v: unknown): v is Config => typeof v === 'object' && v !== null && !Array.isArray(v);

function oneOf<T extends string>(value: unknown, options: readonly T[], fallback: T): T {
  const text = str(value);
  return (options as readonly string[]).includes(text) ? (text as T) : fallback;
}

/** `{topicTemplate, fixed}` back to the one-line form `plant/{site=north}/{deviceId}/{metric}`. */
export function formatTopicTemplate(subscription: unknown): string | null {
  if (!isObject(subscription) || typeof subscription.topicTemplate !== 'string') return null;
  const fixed = isObject(subscription.fixed) ? subscription.fixed : {};
  return subscription.topicTemplate.replace(/\{([^{}=]+)\}/g, (whole, name: string) =>
    typeof fixed[name] === 'string' ? `{${name}=${fixed[name]}}` : whole,
  );
}

function serialFields(c: Config): SerialFields {
  const d = defaultSerialFields();
  return {
    ...d,
    path: str(c.path),
    baudRate: str(c.baudRate, d.baudRate),
    dataBits: oneOf(str(c.dataBits), ['5', '6', '7', '8'] as const, d.dataBits),
    parity: oneOf(c.parity, ['none', 'even', 'odd'] as const, d.parity),
    stopBits: oneOf(str(c.stopBits), ['1', '2'] as const, d.stopBits),
    flowControl: oneOf(c.flowControl, ['none', 'rtscts', 'xonxoff'] as const, d.flowControl),
    format: oneOf(c.format, SERIAL_FORMATS, d.format),
    deviceId: str(c.deviceId),
    profile: str(c.profile),
  };
}

function mqttFields(c: Config): MqttFields {
  const d = defaultMqttFields();
  const subscriptions = Array.isArray(c.subscriptions) ? c.subscriptions : [];
  const sparkplug = isObject(c.sparkplug) ? c.sparkplug : null;
  return {
    ...d,
    // a password inside the URL stays visible as %3Cstored%3E: the engine keeps it while it is there
    url: str(c.url, d.url),
    username: str(c.username),
    password: c.password === STORED_MARKER ? '' : str(c.password),
    ca: str(c.ca),
    cert: str(c.cert),
    key: c.key === STORED_MARKER ? '' : str(c.key),
    rejectUnauthorized: bool(c.rejectUnauthorized, d.rejectUnauthorized),
    clientId: str(c.clientId),
    clean: bool(c.clean, d.clean),
    qos: oneOf(str(c.qos), ['0', '1', '2'] as const, d.qos),
    topicTemplates: subscriptions
      .map(formatTopicTemplate)
      .filter((t): t is string => t !== null)
      .join('\n'),
    payloadMappings: savedMappings(subscriptions),
    sparkplug: sparkplug !== null,
    sparkplugGroupId: str(sparkplug?.groupId),
    sparkplugReorderMs:
      typeof sparkplug?.reorderTimeoutMs === 'number'
        ? String(sparkplug.reorderTimeoutMs)
        : d.sparkplugReorderMs,
  };
}

/** Each saved subscription's payload mapping, under its template line as the form shows it. */
function savedMappings(subscriptions: readonly unknown[]): Record<string, MappingFields> {
  const out: Record<string, MappingFields> = {};
  for (const s of subscriptions) {
    const line = formatTopicTemplate(s);
    if (line !== null && isObject(s) && s.payload !== undefined) out[line] = mappingFromConfig(s.payload);
  }
  return out;
}

function bleFields(c: Config): BleFields {
  const scan = isObject(c.scan) ? c.scan : {};
  return {
    ...defaultBleFields(),
    namePrefix: str(scan.namePrefix),
    serviceUuids: (Array.isArray(scan.serviceUuids) ? scan.serviceUuids : []).map((u) => str(u)).join(' '),
    autoConnect: bool(c.autoConnect, true),
  };
}

/** The add form's state for editing the connector connectors.get described. */
export function editStateFromConfig(kind: ConnectorKind, config: Config): EditState {
  const id = str(config.id);
  const label = str(config.label);
  return {
    kind,
    id,
    label,
    serial: { ...(kind === 'serial' ? serialFields(config) : defaultSerialFields()), id, label },
    mqtt: { ...(kind === 'mqtt' ? mqttFields(config) : defaultMqttFields()), id, label },
    ble: { ...(kind === 'ble' ? bleFields(config) : defaultBleFields()), id, label },
    stored: {
      password: kind === 'mqtt' && config.password === STORED_MARKER,
      key: kind === 'mqtt' && config.key === STORED_MARKER,
    },
    original: config,
  };
}

/**
 * The config for connectors.update: the saved one, overlaid with what the form built (a
 * key the form left empty comes as undefined and clears the saved value), with each
 * stored secret the user left empty sent as the marker.
 */
export function editedConfig(
  original: Config,
  built: Config,
  stored: StoredSecrets,
  kind: ConnectorKind,
): Config {
  const config: Config = { ...original, ...built, id: original.id };
  // the form knows two of the scan settings; the rest (allowDuplicates) stays as saved
  if (kind === 'ble' && isObject(original.scan) && isObject(built.scan)) {
    config.scan = { ...original.scan, ...built.scan };
  }
  if (kind === 'mqtt') {
    // likewise the Sparkplug settings the form has no input for (rebirthIntervalMs)
    if (isObject(original.sparkplug) && isObject(built.sparkplug)) {
      config.sparkplug = { ...original.sparkplug, ...built.sparkplug };
    }
    if (stored.password && config.password === undefined) config.password = STORED_MARKER;
    if (stored.key && config.key === undefined) config.key = STORED_MARKER;
  }
  // JSON drops undefined on the wire anyway; dropping it here keeps the object honest for tests
  for (const key of Object.keys(config)) if (config[key] === undefined) delete config[key];
  return config;
}

/** The placeholder of a secret input. */
export function secretPlaceholder(stored: boolean): string | undefined {
  return stored ? 'stored — leave empty to keep' : undefined;
}
