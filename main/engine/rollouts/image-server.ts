/**
 * Rollout images over HTTPS on the plant network: `GET /firmware/<sha256>` with Range
 * requests so a device resumes a cut download. Mutual TLS with the project CA: a client
 * without a certificate, or with one from another CA, never completes the handshake; the
 * certificate's CN is the device id, and only a device with a started install job for that
 * very image gets bytes (403 otherwise, before the library is even asked, so nobody can
 * probe which images exist). Off unless the operator configures it.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { type AddressInfo, isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../log';
import type { DeviceCredentials } from '../pki/device-credentials';
import { normalizeSerial } from '../pki/fingerprints';
import { parseRange } from './byte-range';
import { TOPIC_SAFE_ID } from './job-protocol';
import type { JobExecution } from './rollout-engine';

export interface ImageServerTls {
  certificatePem: string;
  privateKeyPem: string;
  /** the project CA: the only issuer of client certificates accepted */
  caPem: string;
}

export interface ImageServerOptions {
  host: string;
  /** 0: any free port (tests) */
  port: number;
  tls: ImageServerTls;
  /** is this client certificate still one the project CA issued and has not revoked */
  certificateValid: (deviceId: string, serialHex: string) => boolean;
  /** may this device fetch this image now (it has a started install job for it) */
  allowed: (deviceId: string, sha256: string) => boolean;
  /** the image bytes from the firmware library (re-verified), undefined when it is not there */
  image: (sha256: string) => Promise<Uint8Array | undefined>;
  log: Logger;
  /** connections beyond this are closed at once: a fleet cannot exhaust the engine */
  maxConnections?: number;
}

export const DEFAULT_MAX_CONNECTIONS = 32;
const PATH = /^\/firmware\/([0-9a-f]{64})$/;
/** a wave downloads one image; a few are kept so a rollback and a release overlap cheaply */
const CACHED_IMAGES = 4;

export class ImageServer {
  readonly stats = { requests: 0, refused: 0, partial: 0, bytesSent: 0 };
  private server: Server | undefined;
  private readonly images = new Map<string, Promise<Uint8Array | undefined>>();

  constructor(private readonly options: ImageServerOptions) {}

  async start(): Promise<void> {
    const { tls } = this.options;
    const server = createServer(
      {
        cert: tls.certificatePem,
        key: tls.privateKeyPem,
        ca: tls.caPem,
        requestCert: true,
        rejectUnauthorized: true,
        minVersion: 'TLSv1.2',
        handshakeTimeout: 10_000,
      },
      (req, res) => {
        this.handle(req, res).catch((error: unknown) => {
          this.options.log.error('image request failed', { error: (error as Error).message });
          if (!res.headersSent) this.refuse(res, 500, 'the image could not be read');
          else res.destroy();
        });
      },
    );
    server.maxConnections = this.options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    server.headersTimeout = 10_000;
    server.requestTimeout = 60_000;
    server.keepAliveTimeout = 5_000;
    // a device that stops reading mid-image must not hold a connection slot for ever
    server.setTimeout(60_000, (socket) => socket.destroy());
    server.on('tlsClientError', (error) =>
      this.options.log.debug('image client refused in the TLS handshake', { error: error.message }),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  /** What a job document carries; an IPv6 host goes in brackets (RFC 3986 §3.2.2). */
  url(sha256: string): string {
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    return `https://${host}:${this.port}/firmware/${sha256}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.images.clear();
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.stats.requests++;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return this.refuse(res, 405, 'only GET and HEAD');
    }
    const sha256 = PATH.exec(req.url ?? '')?.[1];
    if (!sha256) return this.refuse(res, 404, 'no such path: use /firmware/<sha256>');
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    const deviceId = peer.subject?.CN;
    if (typeof deviceId !== 'string' || !TOPIC_SAFE_ID.test(deviceId))
      return this.refuse(res, 403, 'the certificate does not name a device');
    // the handshake checked the issuer and dates; revocation lives in the CA's ledger
    if (!this.options.certificateValid(deviceId, peer.serialNumber))
      return this.refuse(res, 403, 'this certificate was revoked or is unknown to the project CA');
    if (!this.options.allowed(deviceId, sha256))
      return this.refuse(res, 403, 'this device has no started install job for this image');
    const bytes = await this.image(sha256);
    if (!bytes) return this.refuse(res, 404, 'the image is not in the firmware library');

    const etag = `"${sha256}"`;
    res.setHeader('ETag', etag);
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('Cache-Control', 'no-store');
    // RFC 9110 §13.1.5: a validator that does not match means the client's part is stale: send it all
    const ifRange = req.headers['if-range'];
    const range =
      ifRange === undefined || ifRange === etag ? parseRange(req.headers.range, bytes.length) : null;
    if (range?.kind === 'unsatisfiable') {
      // RFC 9110 §15.5.17: 416 carries the current length as `bytes */length`
      res.setHeader('Content-Range', `bytes */${bytes.length}`);
      return this.refuse(res, 416, 'the range does not overlap the image');
    }
    let body = bytes;
    if (range?.kind === 'partial') {
      this.stats.partial++;
      res.statusCode = 206;
      res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${bytes.length}`);
      body = bytes.subarray(range.start, range.end + 1);
    } else res.statusCode = 200;
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Content-Length', body.length);
    if (req.method === 'HEAD') return void res.end();
    this.stats.bytesSent += body.length;
    res.end(body);
  }

  private refuse(res: ServerResponse, status: number, message: string): void {
    this.stats.refused++;
    res.statusCode = status;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end(`${message}\n`);
  }

  private image(sha256: string): Promise<Uint8Array | undefined> {
    let loaded = this.images.get(sha256);
    if (!loaded) {
      loaded = this.options.image(sha256);
      // a failed read is not remembered: the next request asks the library again
      loaded.then(
        (bytes) => bytes === undefined && this.images.delete(sha256),
        () => this.images.delete(sha256),
      );
      this.images.set(sha256, loaded);
      if (this.images.size > CACHED_IMAGES) this.images.delete(this.images.keys().next().value as string);
    }
    return loaded;
  }
}

/** The rule the server enforces: the device has taken (start-next) an install job for this image. */
export function hasStartedInstall(
  engine: { nextJob(deviceId: string): JobExecution | null },
  deviceId: string,
  sha256: string,
): boolean {
  const job = engine.nextJob(deviceId);
  return job?.operation === 'install' && job.status === 'IN_PROGRESS' && job.firmware.sha256 === sha256;
}

/** Client certificates the project CA issued to that device and has not revoked (its ledger). */
export function unrevokedIn(
  credentials: Pick<DeviceCredentials, 'certificates'>,
): (deviceId: string, serialHex: string) => boolean {
  return (deviceId, serialHex) => {
    const serial = normalizeSerial(serialHex);
    return credentials.certificates(deviceId).some((c) => c.serialHex === serial && c.revokedAt === null);
  };
}

/** A fresh server certificate from the project CA for the address devices use; its key stays in memory. */
export async function imageServerTls(
  credentials: Pick<DeviceCredentials, 'issueServerCertificate'>,
  host: string,
): Promise<ImageServerTls> {
  const issued = await credentials.issueServerCertificate(
    isIP(host) ? { ipAddresses: [host] } : { dnsNames: [host] },
  );
  return { certificatePem: issued.certificatePem, privateKeyPem: issued.privateKeyPem, caPem: issued.caPem };
}
