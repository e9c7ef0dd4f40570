/**
 * Standard Webhooks signatures (standardwebhooks.com, spec "Signature scheme"): HMAC-SHA256
 * with the base64-decoded part of the `whsec_` secret over `${id}.${timestamp}.${body}`,
 * sent as `v1,<base64>` in webhook-signature; space-separated when several.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'whsec_';

export function newWebhookSecret(): string {
  return `${PREFIX}${randomBytes(24).toString('base64')}`;
}

export function secretBytes(secret: string): Buffer {
  const b64 = secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64))
    throw new Error('the signing secret is not whsec_ followed by base64');
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length < 16 || bytes.length > 64) throw new Error('the signing secret must be 16 to 64 bytes');
  return bytes;
}

export function sign(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secretBytes(secret))
    .update(`${id}.${timestampSeconds}.${body}`)
    .digest('base64');
  return `v1,${mac}`;
}

/** a receiver's check: any one listed v1 signature matching is enough */
export function verify(
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string,
  header: string,
): boolean {
  const expected = Buffer.from(sign(secret, id, timestampSeconds, body));
  return header.split(' ').some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
