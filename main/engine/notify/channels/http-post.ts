/**
 * One HTTP POST with a timeout, its answer read as a delivery outcome: 2xx sent; 429 back
 * off (Retry-After honoured); 408 and 5xx and network failures retried; any other 4xx is
 * the message's own fault and goes to the dead letters at once.
 */
import { parseRetryAfter } from '../backoff';
import type { SendOutcome } from '../notify-message';

const TIMEOUT_MS = 15_000;
const MAX_ANSWER = 500;

export async function postJson(
  url: string,
  body: string,
  headers: Record<string, string> = {},
  now: () => number = Date.now,
): Promise<SendOutcome> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return {
      ok: false,
      retry: true,
      detail: `cannot reach ${new URL(url).host}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
    };
  }
  const text = (await response.text().catch(() => '')).slice(0, MAX_ANSWER);
  const status = `${response.status}${text ? ` ${text.replace(/\s+/g, ' ').trim()}` : ''}`;
  if (response.ok) return { ok: true, detail: status };
  if (response.status === 429) {
    return {
      ok: false,
      retry: true,
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), now()),
      detail: `rate limited: ${status}`,
    };
  }
  if (response.status === 408 || response.status >= 500) return { ok: false, retry: true, detail: status };
  return { ok: false, retry: false, detail: `refused: ${status}` };
}
