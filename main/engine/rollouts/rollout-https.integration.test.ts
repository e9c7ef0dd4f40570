/**
 * Rollout images over HTTPS end to end: a real mosquitto carries the jobs, the engine's
 * image server (mutual TLS, project CA) carries the bytes, and each simulated device
 * fetches with its own certificate, has its first fetch cut, resumes with Range and checks
 * the SHA-256. A device without a certificate still gets the image in MQTT chunks.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CampaignConfigSchema } from '../../../common/rollout-contract';
import { MosquittoBroker, waitFor } from '../connectors/mqtt/mosquitto-harness';
import { DeviceCredentials } from '../pki/device-credentials';
import { masterKeyFromBytes } from '../secrets/master-key';
import { SecretStore } from '../secrets/secret-store';
import { openTestDb, silent, tempDataDir } from '../store/test-fixtures';
import { type DeviceTls, getImage } from './image-https-client';
import { imageServerTls, unrevokedIn } from './image-server';
import { startMqttRolloutEngine } from './rollout-test-engine';
import { SimulatedMqttFleet } from './simulated-mqtt-fleet';

const IMAGE = randomBytes(12_000);
const SHA = createHash('sha256').update(IMAGE).digest('hex');
const CUT_AT = 5_000;
let broker: MosquittoBroker;
let ca: DeviceCredentials;

beforeAll(async () => {
  broker = new MosquittoBroker({ extra: ['set_tcp_nodelay true'] });
  await broker.start();
  const { db } = openTestDb('rollout-https');
  ca = await DeviceCredentials.open({
    db,
    secrets: new SecretStore(db, masterKeyFromBytes(Buffer.alloc(32, 3))),
    projectName: 'Plant 9',
    log: silent,
  });
});
afterAll(async () => {
  await broker.stop();
});

describe('rollout images over HTTPS with mutual TLS', () => {
  test('every device fetches over HTTPS, resumes a cut download with Range, and installs once', async () => {
    const deviceIds = Array.from({ length: 10 }, (_, i) => `tls-${i}`);
    const withoutCert = 'tls-9';
    const certs = new Map<string, DeviceTls>();
    for (const id of deviceIds.filter((d) => d !== withoutCert)) {
      const issued = await ca.issueCertificate(id);
      certs.set(id, {
        certificatePem: issued.certificatePem,
        privateKeyPem: issued.privateKeyPem,
        caPem: ca.caPem,
      });
    }
    const e = await startMqttRolloutEngine({
      dataDir: tempDataDir('rollout-https'),
      brokerUrl: broker.url,
      deviceIds,
      image: { sha256: SHA, bytes: IMAGE },
      imageServer: { tls: await imageServerTls(ca, '127.0.0.1'), certificateValid: unrevokedIn(ca) },
    });
    const fleet = new SimulatedMqttFleet({
      brokerUrl: broker.url,
      deviceIds,
      behaviourOf: () => 'good',
      version: '1.0.0',
      stepMs: 2,
      chunkBytes: 4096,
      replyTimeoutMs: 400,
      tlsOf: (id) => certs.get(id),
      cutHttpsAfterBytes: CUT_AT,
    });
    await fleet.start();
    try {
      e.engine.create(
        CampaignConfigSchema.parse({
          name: 'https',
          firmware: { sha256: SHA, version: '1.1.0' },
          waves: [50, 100],
          soakMs: 5000,
          deviceTimeoutMs: 5000,
        }),
        'alice',
        'https-release',
      );
      await waitFor(
        () => ['completed', 'halted'].includes(e.engine.get('https-release').state),
        'campaign finished',
        10_000,
      );
      expect(e.engine.get('https-release').state).toBe('completed');
      for (const d of fleet.devices) {
        const https = d.id === withoutCert ? { requests: 0, resumed: 0 } : { requests: 2, resumed: 1 };
        expect([d.id, d.installs, d.version, d.lastError, d.https]).toEqual([d.id, 1, '1.1.0', null, https]);
      }
      // nine devices: a cut first fetch and one ranged resume each; the tenth used MQTT chunks
      expect(e.imageServer?.stats.partial).toBe(9);
      expect(e.imageServer?.stats.bytesSent).toBe(9 * (IMAGE.length - CUT_AT) + 9 * IMAGE.length);
      expect(e.service.stats.chunks).toBe(Math.ceil(IMAGE.length / 4096));
      // the campaign is over: the image is no longer served to its devices
      const after = await getImage(e.imageServer?.url(SHA) ?? '', certs.get('tls-0')!);
      expect(after.ok && after.status).toBe(403);
    } finally {
      await e.close();
      await fleet.close();
    }
  });
});
