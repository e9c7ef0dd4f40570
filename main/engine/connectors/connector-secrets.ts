/**
 * Which parts of a connector's config are secrets, per kind, and how to take them out of
 * a config and put them back. The connector manager seals what `read` finds in the secret
 * store and saves only what `write(config, undefined)` leaves; the UI sees STORED_MARKER
 * in their place.
 */
import { createHash } from 'node:crypto';
import type { FieldIssue } from '../../../common/validation-messages';
import {
  changedDestination,
  type DestinationPart,
  reenterMessage,
  urlPart,
  valuePart,
} from '../secrets/secret-destination';

/** Stands for "the value already stored" in connectors.get answers and connectors.update params. */
export const STORED_MARKER = '<stored>';

type Config = Record<string, unknown>;

export interface SecretField {
  /** the secret's name suffix: `connector.<id>.<name>` */
  name: string;
  /** the secret's value in a config, if it has one */
  read(config: Config): string | undefined;
  /** a copy of the config with the value set, or removed (undefined) */
  write(config: Config, value: string | undefined): Config;
  /**
   * Set for a secret sent to the server (a password, unlike a private key): keeping it
   * stored is refused when the destination changes. `label` names it in the message,
   * `path` is the config field a form shows the error beside.
   */
  travels?: { label: string; path: string };
}

function topLevel(name: string, travels?: SecretField['travels']): SecretField {
  return {
    name,
    ...(travels ? { travels } : {}),
    read: (config) => {
      const value = config[name];
      return typeof value === 'string' && value !== '' ? value : undefined;
    },
    write: (config, value) => {
      const next = { ...config };
      if (value === undefined) delete next[name];
      else next[name] = value;
      return next;
    },
  };
}

/**
 * The password in a broker URL (`mqtt://user:secret@host`), kept as the URL spells it
 * (percent-encoded), so putting it back gives the same URL. The marker in a URL is
 * percent-encoded too (`%3Cstored%3E`); both spellings are recognised.
 */
const urlPassword: SecretField = {
  name: 'url-password',
  travels: { label: 'password in the broker URL', path: 'url' },
  read: (config) => {
    const url = parseUrl(config.url);
    if (!url || url.password === '') return undefined;
    return safeDecode(url.password) === STORED_MARKER ? STORED_MARKER : url.password;
  },
  write: (config, value) => {
    const url = parseUrl(config.url);
    if (!url) return config;
    url.password = value === undefined ? '' : value;
    return { ...config, url: url.toString() };
  },
};

function parseUrl(value: unknown): URL | null {
  if (typeof value !== 'string') return null;
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Per kind. MQTT: the login password, the client's private key (PEM) and a password in
 * the URL. The CA bundle and client certificate are public. Serial and BLE configs hold
 * no secrets.
 */
export const SECRET_FIELDS: Readonly<Record<string, readonly SecretField[]>> = {
  mqtt: [topLevel('password', { label: 'password', path: 'password' }), topLevel('key'), urlPassword],
};

/**
 * Per kind, the settings that decide which server a travelling secret reaches: the broker
 * URL, the CA trusted to vouch for it, and whether its certificate is checked at all.
 */
export const SECRET_DESTINATIONS: Readonly<Record<string, readonly DestinationPart[]>> = {
  mqtt: [
    urlPart('url', 'the broker address'),
    valuePart('ca', 'the CA certificate'),
    valuePart('rejectUnauthorized', 'the broker certificate check', true),
  ],
};

export function secretFieldsOf(kind: string): readonly SecretField[] {
  return SECRET_FIELDS[kind] ?? [];
}

/**
 * Secret names are `connector.<id>.<field>`; an id with characters a secret name cannot
 * hold (spaces, say) is named by its hash instead, so every valid connector id has a name.
 */
export function secretName(connectorId: string, field: SecretField): string {
  const name = `connector.${connectorId}.${field.name}`;
  if (/^[A-Za-z0-9._:/-]{1,200}$/.test(name)) return name;
  return `connector.sha256-${sha256Hex(connectorId)}.${field.name}`;
}

/** Takes every secret out of a config: what is left is safe to save as plain JSON. */
export function splitSecrets(
  kind: string,
  config: Config,
): { config: Config; secrets: Map<SecretField, string> } {
  const secrets = new Map<SecretField, string>();
  let rest = config;
  for (const field of secretFieldsOf(kind)) {
    const value = field.read(rest);
    if (value === undefined) continue;
    secrets.set(field, value);
    rest = field.write(rest, undefined);
  }
  return { config: rest, secrets };
}

/** The config as the UI may see it: each secret present replaced by the marker. */
export function maskSecrets(kind: string, config: Config): Config {
  let masked = config;
  for (const field of secretFieldsOf(kind)) {
    if (field.read(masked) !== undefined) masked = field.write(masked, STORED_MARKER);
  }
  return masked;
}

/**
 * The kept secrets (given as STORED_MARKER) that must be typed again because the new
 * config sends them somewhere else than the config they were entered for; one issue each,
 * on the field that shows it. `before` and `after` are validated configs.
 */
export function secretsToReenter(
  kind: string,
  kept: readonly SecretField[],
  before: Config,
  after: Config,
): FieldIssue[] {
  const moved = changedDestination(SECRET_DESTINATIONS[kind] ?? [], before, after);
  if (moved === null) return [];
  return kept.flatMap((field) =>
    field.travels ? [{ path: field.travels.path, message: reenterMessage(field.travels.label, moved) }] : [],
  );
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
