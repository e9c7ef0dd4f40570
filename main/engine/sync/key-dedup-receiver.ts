/**
 * For the sync tests: a batch receiver on 127.0.0.1 that trusts the Idempotency-Key alone,
 * as a cloud that keeps no per-reading index does: a key it has stored is answered 200 and
 * dropped, anything else is stored whole, duplicates and all. It keeps the raw bytes of
 * every request, so a test can compare a retry with the first attempt byte for byte, and
 * a script of answers per request (a failure, a cut connection, a hook that runs first).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { type CloudEvent, isReadingsEvent, parseBatch } from '../../cloud-receiver/cloudevents-input';
import { readingsBatch } from './test-fixtures';

export interface CapturedRequest {
  key: string;
  /** the body exactly as it came off the wire (gzip) */
  body: Buffer;
}

/**
 * What to do with request number `n` (0 = the first): answer this status (a Retry-After in
 * seconds with it), cut the connection before storing, store and then cut the connection
 * before answering, or leave the connection hanging (the sender was killed meanwhile).
 */
export type Answer = { status: number; retryAfterS?: number } | 'reset' | 'store-then-reset' | 'hang';

/** Batches stored by key alone: a key seen before is a duplicate, whatever its bytes. */
export class KeyDedupStore {
  /** the batches stored, by key, in the order they came */
  readonly batches = new Map<string, CloudEvent[]>();

  /** Stores a gzipped batch unless its key is known; returns whether it was new. */
  store(key: string, gzipped: Buffer): boolean {
    if (this.batches.has(key)) return false;
    this.batches.set(key, parseBatch(gunzipSync(gzipped).toString('utf8')));
    return true;
  }

  /** every stored reading's device time per "device/metric", in arrival order, duplicates kept */
  readings(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const e of this.events()) {
      if (!isReadingsEvent(e)) continue;
      const k = `${e.data.deviceId}/${e.data.metric}`;
      const ts = out.get(k) ?? [];
      let t = 0;
      for (let i = 0; i < e.data.ts.length; i++) {
        t = i === 0 ? e.data.ts[0]! : t + e.data.ts[i]!;
        ts.push(t);
      }
      out.set(k, ts);
    }
    return out;
  }

  /** ids of the stored events that are not readings, duplicates kept */
  eventIds(): string[] {
    return this.events()
      .filter((e) => !isReadingsEvent(e))
      .map((e) => e.id);
  }

  private events(): CloudEvent[] {
    return [...this.batches.values()].flat();
  }
}

export interface KeyDedupReceiver {
  readonly url: string;
  readonly requests: CapturedRequest[];
  readonly store: KeyDedupStore;
  close(): Promise<void>;
}

export async function createKeyDedupReceiver(
  answer: (n: number, request: CapturedRequest) => Answer | undefined = () => undefined,
): Promise<KeyDedupReceiver> {
  const requests: CapturedRequest[] = [];
  const store = new KeyDedupStore();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = { key: String(req.headers['idempotency-key'] ?? ''), body: Buffer.concat(chunks) };
      requests.push(request);
      const a = answer(requests.length - 1, request) ?? { status: 200 };
      if (a === 'hang') return;
      if (a === 'reset' || a === 'store-then-reset') {
        if (a === 'store-then-reset') store.store(request.key, request.body);
        req.socket.destroy();
        return;
      }
      if (a.status >= 200 && a.status < 300) store.store(request.key, request.body);
      res.writeHead(a.status, a.retryAfterS === undefined ? {} : { 'retry-after': String(a.retryAfterS) });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1/batches`,
    requests,
    store,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What a receiver must end up with after readingsBatch(0 .. batches-1), each reading once, per "device/metric". */
export function expectedSeries(batches: number): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (let b = 0; b < batches; b++) {
    for (const r of readingsBatch(b)) {
      const k = `${r.deviceId}/${r.metric}`;
      out.set(k, [...(out.get(k) ?? []), r.ts]);
    }
  }
  return out;
}
