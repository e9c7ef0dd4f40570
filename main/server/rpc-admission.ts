/**
 * Who may open the RPC WebSocket: a page of this host's own origin, from an address not
 * locked out for wrong tokens, offering the token. Each refusal says its status; the ones
 * an attacker can repeat are logged through the summarizing log.
 */
import type { IncomingMessage } from 'node:http';
import { offeredTokenMatches } from './access-token';
import type { SummarizedLog } from './summarized-log';
import type { TokenAttemptLimiter } from './token-attempt-limiter';

export interface Refusal {
  status: number;
  message: string;
  headers?: Record<string, string>;
}

/** Browsers always send Origin on WebSocket upgrades; a foreign one means another site
 * is trying to drive this engine with the user's browser (cross-site WebSocket hijacking). */
function originAllowed(req: IncomingMessage, host: string): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}

export function createRpcAdmission(token: string, attempts: TokenAttemptLimiter, refusals: SummarizedLog) {
  /** null when admitted; `host` is the checked Host (or absolute-form authority) */
  return function refuseRpc(req: IncomingMessage, host: string): Refusal | null {
    const remote = req.socket.remoteAddress;
    if (!originAllowed(req, host)) {
      refusals.warn('refused a WebSocket from a foreign origin', remote, {
        origin: req.headers.origin?.slice(0, 200),
      });
      return { status: 403, message: 'Forbidden' };
    }
    const lockedOut = attempts.check(remote);
    if (!lockedOut.allowed) {
      refusals.warn('refused a WebSocket from an address locked out for wrong tokens', remote);
      return {
        status: 429,
        message: 'Too many wrong tokens; try again later',
        headers: { 'Retry-After': String(Math.ceil(lockedOut.retryAfterMs / 1000)) },
      };
    }
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!offeredTokenMatches(offered, token)) {
      const lockout = attempts.failed(remote);
      refusals.warn('refused a WebSocket without a valid token', remote);
      if (lockout) {
        refusals.warn('locked out an address after repeated wrong tokens', remote, {
          seconds: Math.round(lockout.lockedOutForMs / 1000),
        });
      }
      return { status: 401, message: 'Unauthorized' };
    }
    attempts.succeeded(remote);
    return null;
  };
}
