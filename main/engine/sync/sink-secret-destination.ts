/**
 * A sink's bearer token or broker password kept as "<stored>" while the sink is pointed
 * somewhere else must be typed again (see secrets/secret-destination.ts), and a password
 * in the URL itself is refused outright: the URL is shown back in plain text, so a
 * password there would be neither sealed nor "never shown again".
 */
import { SECRET_STORED, type SinkKind } from '../../../common/sync-contract';
import type { FieldIssue } from '../../../common/validation-messages';
import {
  changedDestination,
  type DestinationPart,
  reenterMessage,
  urlPart,
  valuePart,
} from '../secrets/secret-destination';

type Config = Record<string, unknown>;

/** Both URLs of an HTTP sink carry the Authorization header (down-sync GETs send it too). */
const DESTINATIONS: Readonly<Record<SinkKind, readonly DestinationPart[]>> = {
  http: [
    urlPart('url', 'the endpoint URL'),
    urlPart('downUrl', 'the down-sync URL'),
    valuePart('caPem', 'the CA bundle'),
  ],
  mqtt: [urlPart('url', 'the broker address'), valuePart('caPem', 'the CA bundle')],
};

/** The secrets sent to the server, by config field; the private key (keyPem) never is. */
const TRAVELLING: Readonly<Record<SinkKind, Readonly<Record<string, string>>>> = {
  http: { authorization: 'Authorization header' },
  mqtt: { password: 'password' },
};

/**
 * The field errors that refuse a sink config (already validated by its schema): a stored
 * secret kept for a new destination, a password written into a URL. Paths are the
 * request's ("config.authorization") so the form puts each beside its field.
 */
export function sinkSecretsToReenter(
  kind: SinkKind,
  config: Config,
  previous: Config | undefined,
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const field of ['url', 'downUrl']) {
    if (hasUrlPassword(config[field])) {
      const where = kind === 'mqtt' ? 'the Password field' : 'the Authorization header field';
      issues.push({ path: `config.${field}`, message: `no password in the URL: put it in ${where}` });
    }
  }
  const moved = previous ? changedDestination(DESTINATIONS[kind], previous, config) : null;
  if (moved !== null) {
    for (const [field, label] of Object.entries(TRAVELLING[kind])) {
      if (config[field] === SECRET_STORED && previous?.[field] === SECRET_STORED) {
        issues.push({ path: `config.${field}`, message: reenterMessage(label, moved) });
      }
    }
  }
  return issues;
}

function hasUrlPassword(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    return new URL(value).password !== '';
  } catch {
    return false;
  }
}
