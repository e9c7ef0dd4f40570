import { createHash } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RpcError } from '../../../common/protocol';
import { CampaignConfigSchema } from '../../../common/rollout-contract';
import { freePort, MosquittoBroker, waitFor } from '../connectors/mqtt/mosquitto-harness';
import type { TargetMatch } from '../firmware/firmware-target';
import { lazyCredentials } from '../pki/pki-handlers';
import { masterKeyFromBytes } from '../secrets/master-key';
import { SecretStore } from '../secrets/secret-store';
import { openDatabase } from '../store/database';
import { silent, tempDataDir } from '../store/test-fixtures';
import { getImage } from './image-https-client';
import { type JobExecutionMessage, jobTopics } from './job-protocol';
import { createRolloutService } from './rollout-service';

const IMAGE = new Uint8Array(1000).fill(7);
const SHA = createHash('sha256').update(IMAGE).digest('hex');
let broker: MosquittoBroker;

beforeAll(async () => {
  broker = new MosquittoBroker();
  await broker.start();
});
afterAll(async () => {
  await broker.stop();
});

type Fit = (id: string) => TargetMatch;
const allFit: Fit = () => ({ match: 'compatible', reason: null });
// the matching itself is firmware-target.test's; here: what the service does with each answer
const mixedFit: Fit = (id) =>
  id === 'c'
    ? { match: 'incompatible', reason: 'the image is built for ESP32, the device is ESP32-C3' }
    : id === 'b'
      ? { match: 'unknown', reason: 'the profile "p" of b declares no firmware target' }
      : { match: 'compatible', reason: null };

function service(dataDir = tempDataDir('rollout-svc'), fit = allFit) {
  const { db } = openDatabase({ dataDir, log: silent });
  const audits: string[] = [];
  const secrets = new SecretStore(db, masterKeyFromBytes(Buffer.alloc(32, 5)));
  const credentials = lazyCredentials({ db, secrets, log: silent, projectName: 'rollout-svc' });
  const s = createRolloutService({
    credentials,
    db,
    log: silent,
    candidates: () =>
      ['a', 'b', 'c', 'no/topic'].map((id) => ({
        id,
        site: 's',
        profile: 'p',
        tags: [],
        firmwareVersion: '1.0.0',
      })),
    image: async (sha) => (sha === SHA ? IMAGE : undefined),
    fit,
    actor: () => 'alice',
    events: { audit: (e) => audits.push(e.action) },
  });
  return { s, db, dataDir, audits, credentials };
}

const config = (sha = SHA) =>
  CampaignConfigSchema.parse({ name: 'r1', firmware: { sha256: sha, version: '1.1.0' } });

async function rejects(run: () => unknown, code: string, message: RegExp): Promise<void> {
  const error = await Promise.resolve()
    .then(run)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(error).toBeInstanceOf(RpcError);
  expect((error as RpcError).code).toBe(code);
  expect((error as RpcError).message).toMatch(message);
}

describe('rollout service (RPC handlers)', () => {
  test('no broker: settings say so and create is refused in plain words', async () => {
    const { s } = service();
    await s.start();
    try {
      expect(s.handlers['rollouts.settings'](undefined)).toEqual({
        brokerUrl: null,
        connected: false,
        error: null,
        demoImages: [],
        imageServer: null,
      });
      await rejects(
        () => s.handlers['rollouts.create']({ config: config() }),
        'UNAVAILABLE',
        /no rollout broker is set/,
      );
      const port = await freePort();
      const st = await s.handlers['rollouts.configure']({ brokerUrl: `mqtt://127.0.0.1:${port}` });
      expect(st).toMatchObject({
        connected: false,
        error: expect.stringMatching(/cannot reach the rollout broker/),
      });
    } finally {
      await s.close();
    }
  });

  test('with a broker: preview, create, controls; errors map to RPC codes; the broker survives a restart', async () => {
    const { s, db, dataDir, audits } = service(undefined, mixedFit);
    await s.start();
    let emitted = 0;
    const stop = s.streams['rollouts.changed'](undefined, () => emitted++);
    try {
      expect(await s.handlers['rollouts.configure']({ brokerUrl: broker.url })).toEqual({
        brokerUrl: broker.url,
        connected: true,
        error: null,
        demoImages: [],
        imageServer: null,
      });
      const preview = await s.handlers['rollouts.preview']({ config: config() });
      // "no/topic" cannot be addressed on MQTT, so it is not planned at all
      expect(preview.total).toBe(3);
      expect(preview.waves.map((w) => w.deviceIds.length)).toEqual([1, 0, 1, 1]);
      await rejects(
        () => s.handlers['rollouts.create']({ config: config('00'.repeat(32)) }),
        'INVALID_PARAMS',
        /is not in the firmware library/,
      );
      const created = await s.handlers['rollouts.create']({
        config: config(),
        campaignId: preview.campaignId,
      });
      expect(created.devices.filter((d) => d.wave === 0).map((d) => d.deviceId)).toEqual(
        preview.waves[0]?.deviceIds,
      );
      // another model, or a model not known without the override: incompatible, never sent the job
      const byId = new Map(created.devices.map((d) => [d.deviceId, d]));
      expect(byId.get('c')).toMatchObject({
        state: 'incompatible',
        reason: 'wrong target: the image is built for ESP32, the device is ESP32-C3',
      });
      expect(byId.get('b')).toMatchObject({
        state: 'incompatible',
        reason: 'target unknown: the profile "p" of b declares no firmware target',
      });
      expect(byId.get('a')?.state).not.toBe('incompatible');
      expect((await s.handlers['rollouts.list'](undefined)).map((c) => c.id)).toEqual([preview.campaignId]);
      const id = preview.campaignId;
      expect((await s.handlers['rollouts.pause']({ campaignId: id })).state).toBe('paused');
      await rejects(() => s.handlers['rollouts.pause']({ campaignId: id }), 'INVALID_PARAMS', /cannot pause/);
      expect((await s.handlers['rollouts.resume']({ campaignId: id })).state).toBe('running');
      expect((await s.handlers['rollouts.abort']({ campaignId: id, reason: 'test' })).state).toBe('aborted');
      expect((await s.handlers['rollouts.rollback']({ campaignId: id })).state).toBe('rolled_back');
      await rejects(
        () => s.handlers['rollouts.get']({ campaignId: 'nope' }),
        'NOT_FOUND',
        /no campaign "nope"/,
      );
      expect(audits).toEqual([
        'rollout.create',
        'rollout.paused',
        'rollout.running',
        'rollout.aborted',
        'rollout.rolled_back',
      ]);
      expect(emitted).toBeGreaterThanOrEqual(1);
    } finally {
      stop();
      await s.close();
      db.close();
    }
    const again = service(dataDir);
    await again.s.start();
    try {
      expect(again.s.handlers['rollouts.settings'](undefined)).toMatchObject({
        brokerUrl: broker.url,
        connected: true,
      });
      expect((await again.s.handlers['rollouts.list'](undefined))[0]?.state).toBe('rolled_back');
    } finally {
      await again.s.close();
    }
  });

  test('HTTPS image delivery: in the job documents, served after start-next, kept across a restart, turned off', async () => {
    const { s, db, dataDir, credentials } = service();
    await s.start();
    const port = await freePort();
    const device = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
    const notified: (JobExecutionMessage | undefined)[] = [];
    const t = jobTopics('a');
    device.on('message', (topic, payload) => {
      if (topic === t.notifyNext) notified.push(JSON.parse(payload.toString()).execution);
    });
    await device.subscribeAsync([t.notifyNext, `${t.base}/start-next/accepted`], { qos: 1 });
    const url = `https://127.0.0.1:${port}/firmware/${SHA}`;
    try {
      expect(
        await s.handlers['rollouts.configure']({
          brokerUrl: broker.url,
          imageServer: { host: '127.0.0.1', port },
        }),
      ).toMatchObject({
        connected: true,
        imageServer: { host: '127.0.0.1', port, url: `https://127.0.0.1:${port}/firmware/`, error: null },
      });
      await s.handlers['rollouts.create']({ config: { ...config(), waves: [100] }, campaignId: 'svc-https' });
      await waitFor(() => notified.some((e) => e?.jobDocument.delivery.https?.url === url), 'the HTTPS URL');
      const issued = await (await credentials()).issueCertificate('a');
      const tls = {
        certificatePem: issued.certificatePem,
        privateKeyPem: issued.privateKeyPem,
        caPem: issued.caPem,
      };
      // offered but not taken: no bytes yet
      expect(await getImage(url, tls).then((r) => r.ok && r.status)).toBe(403);
      device.publish(t.startNext, '{}', { qos: 1 });
      await waitFor(() => notified.some((e) => e?.status === 'IN_PROGRESS'), 'the job taken');
      const r = await getImage(url, tls);
      expect(r.ok && [r.status, Buffer.compare(r.body, IMAGE)]).toEqual([200, 0]);
    } finally {
      await s.close();
      db.close();
    }
    const again = service(dataDir);
    await again.s.start();
    try {
      expect((await again.s.handlers['rollouts.settings'](undefined)).imageServer).toMatchObject({
        url: `https://127.0.0.1:${port}/firmware/`,
      });
      notified.length = 0;
      const off = await again.s.handlers['rollouts.configure']({ brokerUrl: broker.url, imageServer: null });
      expect(off.imageServer).toBeNull();
      await waitFor(() => notified.length > 0, 'the job sent again');
      expect(notified.at(-1)?.jobDocument.delivery).not.toHaveProperty('https');
      expect(await getImage(url, { caPem: 'none' }).then((r) => r.ok)).toBe(false);
    } finally {
      await device.endAsync();
      await again.s.close();
    }
  });

  test('an image server that cannot start says why in the settings', async () => {
    const { s } = service();
    await s.start();
    try {
      const st = await s.handlers['rollouts.configure']({
        brokerUrl: null,
        imageServer: { host: '192.0.2.1', port: 8443 },
      });
      expect(st.imageServer).toMatchObject({
        url: null,
        error: expect.stringMatching(/cannot serve images on 192.0.2.1:8443/),
      });
    } finally {
      await s.close();
    }
  });
});
