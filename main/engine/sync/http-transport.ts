/**
 * HTTPS batch POST sink: one gzipped CloudEvents batch per request, an Idempotency-Key per
 * batch, an auth header and/or a client certificate, and a CA bundle for private clouds.
 * The response decides: 2xx stored; 207 partly stored (retry the batch: the receiver
 * drops what it already has); 408, 429 and 5xx retried with Retry-After honoured; any other
 * 4xx parks the batch.
 */
import http from 'node:http';
import https from 'node:https';
import { CLOUDEVENTS_BATCH, type OutgoingBatch } from './cloudevents';
import { parseRetryAfter, type SendOutcome, type SinkTransport } from './transport';

export interface HttpSinkOptions {
  url: string;
  /** e.g. "Bearer abc" (sent as Authorization) */
  authorization?: string;
  headers?: Record<string, string>;
  ca?: string;
  cert?: string;
  key?: string;
  timeoutMs?: number;
}

const MAX_RESPONSE_BYTES = 64 * 1024;

export function createHttpTransport(options: HttpSinkOptions): SinkTransport {
  const url = new URL(options.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`a batch POST sink needs an http(s) URL, not ${url.protocol}`);
  }
  const secure = url.protocol === 'https:';
  const agent = secure
    ? new https.Agent({
        keepAlive: true,
        maxSockets: 1,
        ca: options.ca || undefined,
        cert: options.cert || undefined,
        key: options.key || undefined,
        minVersion: 'TLSv1.2',
      })
    : new http.Agent({ keepAlive: true, maxSockets: 1 });
  const timeoutMs = options.timeoutMs ?? 30_000;
  const target = `${url.protocol}//${url.host}${url.pathname}`;
  let reached = false;

  const send = (batch: OutgoingBatch) =>
    new Promise<SendOutcome>((resolve) => {
      let settled = false;
      const done = (outcome: SendOutcome, reachedServer: boolean) => {
        if (settled) return;
        settled = true;
        reached = reachedServer;
        resolve(outcome);
      };
      const request = (secure ? https : http).request(url, {
        method: 'POST',
        agent,
        headers: {
          ...options.headers,
          'content-type': CLOUDEVENTS_BATCH,
          'content-encoding': 'gzip',
          'content-length': String(batch.payload.length),
          'idempotency-key': batch.key,
          ...(options.authorization ? { authorization: options.authorization } : {}),
        },
      });
      request.setTimeout(timeoutMs, () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      request.on('error', (error) => done({ kind: 'retry', error: error.message }, false));
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_RESPONSE_BYTES) chunks.push(chunk);
        });
        response.on('error', (error) => done({ kind: 'retry', error: error.message }, false));
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8').slice(0, 500);
          const retryAfter = parseRetryAfter(response.headers['retry-after']);
          done(classify(status, text, retryAfter), true);
        });
      });
      request.end(batch.payload);
    });

  return {
    target,
    connected: () => reached,
    send,
    async close() {
      agent.destroy();
    },
  };
}

function classify(status: number, body: string, retryAfterMs: number | null): SendOutcome {
  const detail = body ? `: ${body.replace(/\s+/g, ' ').slice(0, 200)}` : '';
  if (status === 207) {
    return { kind: 'retry', status, error: `partly accepted (207)${detail}` };
  }
  if (status >= 200 && status < 300) return { kind: 'ok' };
  if (status === 408 || status === 429 || status >= 500) {
    return {
      kind: 'retry',
      status,
      error: `HTTP ${status}${detail}`,
      ...(retryAfterMs !== null ? { retryAfterMs } : {}),
    };
  }
  return { kind: 'park', status, error: `HTTP ${status}${detail}` };
}
