/**
 * The rollout image server over real TLS on 127.0.0.1 with certificates from a real
 * project CA: who gets in, what Range gets back (RFC 9110 §14 / §15.3.7 / §15.5.17), and a
 * cut download resumed with Range to the same bytes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceCredentials, type IssuedKeyPair } from '../pki/device-credentials';
import { masterKeyFromBytes } from '../secrets/master-key';
import { SecretStore } from '../secrets/secret-store';
import { openTestDb, silent } from '../store/test-fixtures';
import { type DeviceTls, getImage } from './image-https-client';
import { ImageServer, unrevokedIn } from './image-server';

const IMAGE = randomBytes(50_000);
const SHA = createHash('sha256').update(IMAGE).digest('hex');
const OTHER_SHA = 'ab'.repeat(32);

async function openCa(projectName: string, fill: number): Promise<DeviceCredentials> {
  const { db } = openTestDb('image-server');
  const secrets = new SecretStore(db, masterKeyFromBytes(Buffer.alloc(32, fill)));
  return DeviceCredentials.open({ db, secrets, projectName, log: silent });
}

let ca: DeviceCredentials;
let server: ImageServer;
let inCampaign: DeviceTls;
let notInCampaign: DeviceTls;
let foreign: DeviceTls;
let revoked: DeviceTls;
const libraryReads: string[] = [];

const tlsOf = (issued: IssuedKeyPair, caPem = ca.caPem): DeviceTls => ({
  certificatePem: issued.certificatePem,
  privateKeyPem: issued.privateKeyPem,
  caPem,
});

beforeAll(async () => {
  ca = await openCa('Plant 7', 1);
  const other = await openCa('Somebody else', 2);
  inCampaign = tlsOf(await ca.issueCertificate('dev-1'));
  notInCampaign = tlsOf(await ca.issueCertificate('dev-2'));
  const soonRevoked = await ca.issueCertificate('dev-1');
  ca.revoke(soonRevoked.serialHex, 'keyCompromise');
  revoked = tlsOf(soonRevoked);
  // the same device id, but signed by another CA
  foreign = tlsOf(await other.issueCertificate('dev-1'), ca.caPem);
  const serverCert = await ca.issueServerCertificate({ ipAddresses: ['127.0.0.1'] });
  server = new ImageServer({
    host: '127.0.0.1',
    port: 0,
    tls: { ...tlsOf(serverCert) },
    certificateValid: unrevokedIn(ca),
    allowed: (deviceId, sha256) => deviceId === 'dev-1' && (sha256 === SHA || sha256 === OTHER_SHA),
    image: async (sha256) => {
      libraryReads.push(sha256);
      return sha256 === SHA ? IMAGE : undefined;
    },
    log: silent,
    maxConnections: 3,
  });
  await server.start();
});
afterAll(async () => {
  await server.close();
});

describe('image server (HTTPS, mutual TLS with the project CA)', () => {
  it('sends the whole image to a device of the campaign, with the sha256 as ETag', async () => {
    const r = await getImage(server.url(SHA), inCampaign);
    expect(r.ok && r.status).toBe(200);
    if (!r.ok) return;
    expect(r.body.equals(IMAGE)).toBe(true);
    expect(r.headers).toMatchObject({
      etag: `"${SHA}"`,
      'accept-ranges': 'bytes',
      'content-length': String(IMAGE.length),
      'content-type': 'application/octet-stream',
    });
  });

  it('sends a range as 206 with Content-Range (RFC 9110 §14.4, §15.3.7)', async () => {
    const r = await getImage(server.url(SHA), inCampaign, { headers: { Range: 'bytes=1000-1999' } });
    expect(r.ok && r.status).toBe(206);
    if (!r.ok) return;
    expect(r.headers['content-range']).toBe(`bytes 1000-1999/${IMAGE.length}`);
    expect(r.body.equals(IMAGE.subarray(1000, 2000))).toBe(true);
    // §14.1.2: "bytes=-500", the final 500 bytes
    const tail = await getImage(server.url(SHA), inCampaign, { headers: { Range: 'bytes=-500' } });
    expect(tail.ok && [tail.status, tail.headers['content-range']]).toEqual([
      206,
      `bytes ${IMAGE.length - 500}-${IMAGE.length - 1}/${IMAGE.length}`,
    ]);
    expect(tail.ok && tail.body.equals(IMAGE.subarray(-500))).toBe(true);
  });

  it('answers an unsatisfiable range with 416 and bytes */length (RFC 9110 §15.5.17)', async () => {
    const r = await getImage(server.url(SHA), inCampaign, { headers: { Range: `bytes=${IMAGE.length}-` } });
    expect(r.ok && [r.status, r.headers['content-range']]).toEqual([416, `bytes */${IMAGE.length}`]);
  });

  it('ignores a malformed Range or a stale If-Range and sends the whole image (RFC 9110 §14.2, §13.1.5)', async () => {
    const cases: Record<string, string>[] = [
      { Range: 'bytes=500-499' },
      { Range: 'bytes=abc' },
      { Range: 'lines=0-10' },
      { Range: 'bytes=0-0,-1' },
      { Range: 'bytes=100-', 'If-Range': `"${'00'.repeat(32)}"` },
    ];
    for (const headers of cases) {
      const r = await getImage(server.url(SHA), inCampaign, { headers });
      expect([headers, r.ok && r.status, r.ok && r.body.equals(IMAGE)]).toEqual([headers, 200, true]);
    }
    const matching = await getImage(server.url(SHA), inCampaign, {
      headers: { Range: 'bytes=100-', 'If-Range': `"${SHA}"` },
    });
    expect(matching.ok && matching.status).toBe(206);
  });

  it('resumes a cut download with Range: the bytes are identical', async () => {
    const cut = await getImage(server.url(SHA), inCampaign, { cutAfterBytes: 12_345 });
    expect(cut).toMatchObject({ ok: false, error: 'connection cut' });
    const head = cut.ok ? Buffer.alloc(0) : cut.received;
    expect(head.length).toBe(12_345);
    const rest = await getImage(server.url(SHA), inCampaign, { headers: { Range: `bytes=${head.length}-` } });
    expect(rest.ok && rest.status).toBe(206);
    const whole = Buffer.concat([head, rest.ok ? rest.body : Buffer.alloc(0)]);
    expect(createHash('sha256').update(whole).digest('hex')).toBe(SHA);
  });

  it('refuses a client without a certificate and one from another CA in the handshake', async () => {
    const before = server.stats.requests;
    const none = await getImage(server.url(SHA), { caPem: ca.caPem });
    expect(none).toMatchObject({ ok: false, error: expect.stringMatching(/certificate required/) });
    // TLS 1.3: the client finishes first, so the server's "unknown ca" alert ends the socket under the request
    const other = await getImage(server.url(SHA), foreign);
    expect(other).toMatchObject({
      ok: false,
      error: expect.stringMatching(/unknown ca|socket hang up|ECONNRESET/),
    });
    // neither ever reached the HTTP layer
    expect(server.stats.requests).toBe(before);
  });

  it('refuses with 403 a device not in the campaign and a revoked certificate, before the library is read', async () => {
    libraryReads.length = 0;
    const r = await getImage(server.url(SHA), notInCampaign);
    expect(r.ok && [r.status, r.body.toString()]).toEqual([
      403,
      'this device has no started install job for this image\n',
    ]);
    // dev-1 is in the campaign, but this one of its certificates was revoked (key compromise)
    const gone = await getImage(server.url(SHA), revoked);
    expect(gone.ok && [gone.status, gone.body.toString()]).toEqual([
      403,
      'this certificate was revoked or is unknown to the project CA\n',
    ]);
    expect(libraryReads).toEqual([]);
  });

  it('answers 404 for an image not in the library, other paths, and 405 for other methods', async () => {
    expect(await status(server.url(OTHER_SHA))).toBe(404);
    expect(await status(server.url(SHA).replace(/firmware\/.*/, 'firmware/../etc/passwd'))).toBe(404);
    expect(await status(server.url(SHA.toUpperCase()))).toBe(404);
    const post = await getImage(server.url(SHA), inCampaign, { method: 'POST' });
    expect(post.ok && [post.status, post.headers.allow]).toEqual([405, 'GET, HEAD']);
    const head = await getImage(server.url(SHA), inCampaign, { method: 'HEAD' });
    expect(head.ok && [head.status, head.headers['content-length'], head.body.length]).toEqual([
      200,
      String(IMAGE.length),
      0,
    ]);
  });

  it('closes connections beyond its limit at once', async () => {
    // three idle TLS connections hold every slot (maxConnections 3)
    const held = await Promise.all(
      [0, 1, 2].map(
        () =>
          new Promise<ReturnType<typeof connect>>((resolve, reject) => {
            const s = connect({
              host: '127.0.0.1',
              port: server.port,
              ca: inCampaign.caPem,
              cert: inCampaign.certificatePem,
              key: inCampaign.privateKeyPem,
            });
            s.once('secureConnect', () => resolve(s));
            s.once('error', reject);
          }),
      ),
    );
    try {
      const r = await getImage(server.url(SHA), inCampaign);
      expect(r.ok).toBe(false);
    } finally {
      for (const s of held) s.destroy();
    }
    // the slots free once the server has seen the sockets close
    let after = await getImage(server.url(SHA), inCampaign);
    for (let i = 0; i < 40 && !after.ok; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      after = await getImage(server.url(SHA), inCampaign);
    }
    expect(after.ok && after.status).toBe(200);
  });
});

async function status(url: string): Promise<number | string> {
  const r = await getImage(url, inCampaign);
  return r.ok ? r.status : r.error;
}
