/**
 * Which settings decide where a stored secret goes. A password or bearer token kept as
 * "<stored>" may only keep going where it went when the user typed it: if any of these
 * settings changes, whoever can edit the config could otherwise point it at a server of
 * their own and read the secret "never shown again" off the wire. Saving such a change
 * needs the secret typed again.
 *
 * A TLS private key is not on this list of travellers: the handshake proves possession
 * with a signature, the key never leaves the host, so a new server learns nothing from it.
 */

type Config = Record<string, unknown>;

/** One setting that decides which server receives a secret, and its name in a message. */
export interface DestinationPart {
  /** "the broker address", "the CA certificate" */
  what: string;
  read(config: Config): unknown;
}

/**
 * A URL without its user name and password, normalised (case of scheme and host, default
 * port) so an unchanged address compares equal; every other part counts, the path too: a
 * different path on the same origin can be a different service.
 */
export function addressOf(value: unknown): string {
  if (typeof value !== 'string') return '';
  try {
    const url = new URL(value);
    url.username = '';
    url.password = '';
    return url.href;
  } catch {
    return value;
  }
}

/** A URL setting as a destination part. */
export function urlPart(field: string, what: string): DestinationPart {
  return { what, read: (config) => addressOf(config[field]) };
}

/** A setting compared as it is (a PEM bundle, a flag); absent and empty are the same. */
export function valuePart(field: string, what: string, absent: unknown = ''): DestinationPart {
  return { what, read: (config) => config[field] ?? absent };
}

/** What changed between the config the secret was entered for and the new one, or null. */
export function changedDestination(
  parts: readonly DestinationPart[],
  before: Config,
  after: Config,
): string | null {
  for (const part of parts) {
    if (part.read(before) !== part.read(after)) return part.what;
  }
  return null;
}

/** The field error: "Enter the password again: the broker address changed". */
export function reenterMessage(secret: string, what: string): string {
  return `Enter the ${secret} again: ${what} changed`;
}
