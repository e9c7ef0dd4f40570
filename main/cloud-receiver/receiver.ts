/**
 * The reference cloud receiver: the other end of Fieldline's cloud sync, for tests, demos
 * and as the executable form of the HTTP contract written down in the README.
 *
 *   POST /v1/batches            a gzipped CloudEvents batch with an Idempotency-Key
 *   GET  /v1/down/{kind}        down-sync documents (registry, firmware, settings), ETag'd
 *   GET  /admin/counters        what it stored and what it dropped as duplicates
 *   POST /admin/faults          fault switches (see faults.ts)
 *   GET  /admin/readings?deviceId=&metric=   one series as stored
 *   GET  /admin/series, /admin/events
 *   PUT  /admin/down/{kind}     set a down-sync document (its version moves on)
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { BatchFormatError, type CloudEvent, parseBatch } from './cloudevents-input';
import { applyFaults, type FaultState, noFaults } from './faults';
import { type MqttConsumer, type MqttConsumerOptions, startMqttConsumer } from './mqtt-consumer';
import { ReceiverStore } from './receiver-store';

export interface ReceiverOptions {
  /** SQLite file (":memory:" for none) */
  dbFile: string;
  port?: number;
  host?: string;
  /** when set, /v1 requests need "Authorization: Bearer <token>" */
  token?: string;
  /** serve HTTPS; with `ca` and requestCert, clients must present a certificate from it */
  tls?: { cert: string; key: string; ca?: string; requestCert?: boolean };
  log?: (line: string) => void;
  /** in-process hook, after a batch is committed and before it is answered (tests kill senders here) */
  onStored?: (key: string) => void;
  /** also consume the MQTT uplink from this broker */
  mqtt?: MqttConsumerOptions;
}

export interface Receiver {
  readonly url: string;
  readonly port: number;
  readonly store: ReceiverStore;
  readonly faults: FaultState;
  readonly mqtt: MqttConsumer | null;
  setFaults(input: unknown): void;
  /**
   * stops listening (connection refused) for `ms`, or until the promise settles (tests that
   * must not depend on how fast a loaded machine runs), then listens again on the same port
   */
  down(until: number | Promise<unknown>): Promise<void>;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024 * 1024;
const MAX_INFLATED = 512 * 1024 * 1024;
const DOWN_KINDS = new Set(['registry', 'firmware', 'settings']);

export async function createReceiver(options: ReceiverOptions): Promise<Receiver> {
  const store = new ReceiverStore(options.dbFile);
  const faults = noFaults();
  const log = options.log ?? (() => {});
  const host = options.host ?? '127.0.0.1';

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    route(req, res).catch((error: unknown) => {
      log(`receiver error: ${(error as Error).message}`);
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  };
  const server = options.tls
    ? https.createServer(
        {
          cert: options.tls.cert,
          key: options.tls.key,
          ca: options.tls.ca,
          requestCert: options.tls.requestCert ?? false,
          rejectUnauthorized: options.tls.requestCert ?? false,
        },
        handler,
      )
    : http.createServer(handler);
  server.keepAliveTimeout = 30_000;

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://receiver');
    const p = url.pathname;
    if (p.startsWith('/v1/') && options.token && req.headers.authorization !== `Bearer ${options.token}`) {
      await readBody(req, MAX_BODY).catch(() => null);
      return json(res, 401, { error: 'missing or wrong bearer token' });
    }
    if (req.method === 'POST' && p === '/v1/batches') return batch(req, res);
    if (req.method === 'GET' && p.startsWith('/v1/down/')) {
      const kind = p.slice('/v1/down/'.length);
      if (!DOWN_KINDS.has(kind)) return json(res, 404, { error: `no down-sync document "${kind}"` });
      const doc = store.doc(kind) ?? { version: 0, data: kind === 'settings' ? {} : [] };
      const etag = `"${kind}-${doc.version}"`;
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { etag }).end();
        return;
      }
      return json(res, 200, { kind, version: doc.version, data: doc.data }, { etag });
    }
    if (req.method === 'GET' && p === '/admin/counters') {
      return json(res, 200, { ...store.counters, stored: store.totalReadings() });
    }
    if (req.method === 'POST' && p === '/admin/faults') {
      const body = await readBody(req, 64 * 1024);
      let downMs: number | null;
      try {
        downMs = applyFaults(faults, JSON.parse(body.toString('utf8')));
      } catch (error) {
        return json(res, 400, { error: (error as Error).message });
      }
      json(res, 200, { ...faults, downMs });
      if (downMs) setTimeout(() => void receiver.down(downMs), 50);
      return;
    }
    if (req.method === 'GET' && p === '/admin/readings') {
      return json(
        res,
        200,
        store.series(url.searchParams.get('deviceId') ?? '', url.searchParams.get('metric') ?? ''),
      );
    }
    if (req.method === 'GET' && p === '/admin/series') return json(res, 200, store.seriesList());
    if (req.method === 'GET' && p === '/admin/events') return json(res, 200, store.events());
    if (req.method === 'PUT' && p.startsWith('/admin/down/')) {
      const kind = p.slice('/admin/down/'.length);
      if (!DOWN_KINDS.has(kind)) return json(res, 404, { error: `no down-sync document "${kind}"` });
      try {
        store.putDoc(kind, JSON.parse((await readBody(req, 16 * 1024 * 1024)).toString('utf8')));
      } catch (error) {
        return json(res, 400, { error: (error as Error).message });
      }
      return json(res, 200, store.doc(kind));
    }
    await readBody(req, MAX_BODY).catch(() => null);
    json(res, 404, { error: `no route ${req.method} ${p}` });
  }

  async function batch(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (faults.dropMidRequest > 0) {
      faults.dropMidRequest--;
      store.count('faults');
      // cut the connection as the body arrives: the client cannot know what happened
      req.once('data', () => req.socket.destroy());
      req.resume();
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req, MAX_BODY);
    } catch (error) {
      return json(res, 413, { error: (error as Error).message });
    }
    store.count('bytes', body.length);
    if (faults.slowMs > 0) await new Promise((r) => setTimeout(r, faults.slowMs));
    if (faults.fail500 > 0) {
      faults.fail500--;
      store.count('faults');
      return json(res, 500, { error: 'injected failure' });
    }
    if (faults.throttle.count > 0) {
      faults.throttle.count--;
      store.count('faults');
      return json(res, 429, { error: 'slow down' }, { 'retry-after': String(faults.throttle.retryAfterS) });
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (type !== 'application/cloudevents-batch+json') {
      store.count('rejectedBatches');
      return json(res, 415, { error: 'content-type must be application/cloudevents-batch+json' });
    }
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(key)) {
      store.count('rejectedBatches');
      return json(res, 400, { error: 'an Idempotency-Key header is required' });
    }
    if (faults.reject > 0) {
      faults.reject--;
      store.count('faults');
      store.count('rejectedBatches');
      return json(res, 422, { error: 'injected rejection' });
    }
    let events: CloudEvent[];
    try {
      const text =
        req.headers['content-encoding'] === 'gzip'
          ? gunzipSync(body, { maxOutputLength: MAX_INFLATED }).toString('utf8')
          : body.toString('utf8');
      events = parseBatch(text);
    } catch (error) {
      store.count('rejectedBatches');
      const message =
        error instanceof BatchFormatError
          ? error.message
          : `cannot read the body: ${(error as Error).message}`;
      return json(res, 400, { error: message });
    }
    if (store.hasBatch(key)) {
      store.count('duplicateBatches');
      return json(res, 200, { duplicate: true, events: events.length });
    }
    if (faults.partial.count > 0 && faults.partial.accept < events.length) {
      faults.partial.count--;
      store.count('faults');
      const outcome = store.store(events, key, faults.partial.accept);
      return json(res, 207, {
        ...outcome,
        accepted: events.slice(0, faults.partial.accept).map((e) => e.id),
        rejected: events.slice(faults.partial.accept).map((e) => e.id),
      });
    }
    const outcome = store.store(events, key);
    options.onStored?.(key);
    if (faults.dropAfterCommit > 0) {
      faults.dropAfterCommit--;
      store.count('faults');
      req.socket.destroy();
      return;
    }
    json(res, 200, { duplicate: false, ...outcome });
  }

  let listening = false;
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        listening = true;
        resolve((server.address() as AddressInfo).port);
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!listening) return resolve();
      listening = false;
      server.close(() => resolve());
      server.closeAllConnections();
    });

  const port = await listen(options.port ?? 0);
  const consumer = options.mqtt ? startMqttConsumer(store, { log, ...options.mqtt }) : null;
  const scheme = options.tls ? 'https' : 'http';
  let closed = false;
  const receiver: Receiver = {
    url: `${scheme}://${host}:${port}`,
    port,
    store,
    faults,
    mqtt: consumer,
    setFaults: (input) => {
      const downMs = applyFaults(faults, input);
      if (downMs) void receiver.down(downMs);
    },
    async down(until) {
      store.count('faults');
      await stopListening();
      if (typeof until === 'number') {
        log(`receiver down for ${until} ms`);
        await new Promise((r) => setTimeout(r, until));
      } else {
        log('receiver down until released');
        await until.catch(() => {});
      }
      if (!closed) await listen(port);
    },
    async close() {
      closed = true;
      await consumer?.close();
      await stopListening();
      store.close();
    },
  };
  return receiver;
}

function json(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        reject(new Error(`body larger than ${max} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
