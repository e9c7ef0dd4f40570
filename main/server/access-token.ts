/**
 * The headless host always asks for a token: the RPC it serves can reconfigure and
 * flash devices. The browser offers it as a WebSocket subprotocol so it never appears
 * in a URL the server logs.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { tokenWeakness } from './token-strength';

export const TOKEN_PROTOCOL_PREFIX = 'fieldline.token.';
const MIN_TOKEN_LENGTH = 16;

export function generateToken(): string {
  return randomBytes(24).toString('hex');
}

export function validateToken(token: string, origin: string): string {
  const trimmed = token.trim();
  if (trimmed.length < MIN_TOKEN_LENGTH) {
    throw new Error(`${origin}: the token must be at least ${MIN_TOKEN_LENGTH} characters`);
  }
  if (!/^[A-Za-z0-9._~-]+$/.test(trimmed)) {
    throw new Error(`${origin}: the token may contain only letters, digits and . _ ~ -`);
  }
  const weakness = tokenWeakness(trimmed);
  if (weakness) throw new Error(`${origin}: ${weakness}`);
  return trimmed;
}

export interface TokenFileResult {
  token: string;
  warning?: string;
}

export function readTokenFile(file: string): TokenFileResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the token file ${file}: ${(error as Error).message}`);
  }
  const token = validateToken(text.split(/\r?\n/)[0] ?? '', `token file ${file}`);
  const mode = statSync(file).mode & 0o777;
  const warning =
    process.platform !== 'win32' && (mode & 0o077) !== 0
      ? `the token file ${file} is readable by other users (mode ${mode.toString(8)}); chmod 600 it`
      : undefined;
  return warning ? { token, warning } : { token };
}

/** Constant-time check of the token offered in Sec-WebSocket-Protocol. */
export function offeredTokenMatches(protocols: Iterable<string>, expected: string): string | null {
  const expectedBuffer = Buffer.from(expected);
  for (const protocol of protocols) {
    if (!protocol.startsWith(TOKEN_PROTOCOL_PREFIX)) continue;
    const offered = Buffer.from(protocol.slice(TOKEN_PROTOCOL_PREFIX.length));
    if (offered.length === expectedBuffer.length && timingSafeEqual(offered, expectedBuffer)) {
      return protocol;
    }
  }
  return null;
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}
