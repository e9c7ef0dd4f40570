/**
 * Rollouts end to end over a real mosquitto: the campaign engine on a real SQLite file,
 * its MQTT job service, and a simulated fleet of 20 devices, each on its own connection,
 * fetching the image in chunks and checking its SHA-256. Verifying by readings: a fleet
 * whose new firmware reports insane readings is stopped at the first wave and rolled back.
 */
import { createHash, randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CampaignConfigSchema, type CampaignState } from '../../../common/rollout-contract';
import { MosquittoBroker, waitFor } from '../connectors/mqtt/mosquitto-harness';
import type { HealthPolicy } from '../firmware/health-judge';
import { ROLLOUT_HEALTH_POLICY } from '../firmware/health-judge';
import { ReadingValidator } from '../ingest/validate';
import { tempDataDir } from '../store/test-fixtures';
import type { FleetBehaviour } from './fleet-behaviour';
import { jobTopics } from './job-protocol';
import type { RolloutEngine } from './rollout-engine';
import { startMqttRolloutEngine } from './rollout-test-engine';
import { type SimulatedFleetOptions, SimulatedMqttFleet } from './simulated-mqtt-fleet';

const IMAGE = randomBytes(20_000);
const SHA = createHash('sha256').update(IMAGE).digest('hex');
let broker: MosquittoBroker;

beforeAll(async () => {
  // without it mosquitto holds small replies for Nagle: ~40 ms per request instead of <1 ms
  broker = new MosquittoBroker({ extra: ['set_tcp_nodelay true'] });
  await broker.start();
});
afterAll(async () => {
  await broker.stop();
});

function ids(prefix: string, n = 20): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(2, '0')}`);
}

const startEngine = (dataDir: string, deviceIds: string[], readingsHealth?: HealthPolicy) =>
  startMqttRolloutEngine({
    dataDir,
    brokerUrl: broker.url,
    deviceIds,
    image: { sha256: SHA, bytes: IMAGE },
    ...(readingsHealth ? { readingsHealth } : {}),
  });

async function fleetOf(
  deviceIds: string[],
  behaviourOf: (id: string) => FleetBehaviour,
  telemetry?: SimulatedFleetOptions['telemetry'],
) {
  const fleet = new SimulatedMqttFleet({
    brokerUrl: broker.url,
    deviceIds,
    behaviourOf,
    version: '1.0.0',
    stepMs: 2,
    chunkBytes: 4096,
    replyTimeoutMs: 400,
    ...(telemetry ? { telemetry } : {}),
  });
  await fleet.start();
  return fleet;
}

const config = (name: string) =>
  CampaignConfigSchema.parse({
    name,
    firmware: { sha256: SHA, version: '1.1.0' },
    soakMs: 5000,
    deviceTimeoutMs: 5000,
  });

async function until(engine: RolloutEngine, id: string, states: CampaignState[]): Promise<void> {
  await waitFor(() => states.includes(engine.get(id).state), `campaign ${id} ${states.join('/')}`, 10_000);
}

describe('rollouts over MQTT (mosquitto)', () => {
  test('a good release completes every wave; every device installs it once', async () => {
    const deviceIds = ids('good');
    const fleet = await fleetOf(deviceIds, () => 'good');
    const e = await startEngine(tempDataDir('rollout-mqtt'), deviceIds);
    try {
      e.engine.create(config('good'), 'alice', 'good-release');
      await until(e.engine, 'good-release', ['completed', 'halted']);
      const c = e.engine.get('good-release');
      expect(c.state).toBe('completed');
      expect(c.devices.every((d) => d.state === 'succeeded')).toBe(true);
      for (const d of fleet.devices)
        expect([d.id, d.installs, d.version, d.lastError]).toEqual([d.id, 1, '1.1.0', null]);
    } finally {
      await e.close();
      await fleet.close();
    }
  });

  test('insane readings after the update: the first wave fails verifying, halts and is rolled back', async () => {
    const deviceIds = ids('insane');
    let engine: RolloutEngine | undefined;
    // what the devices send once on the new image, through the ingest validator with their profile's limits
    const validator = new ReadingValidator(() => ({
      id: 'env',
      name: 'env',
      metrics: { temperature: { unit: '°C', min: -40, max: 85 } },
    }));
    const fleet = await fleetOf(
      deviceIds,
      () => 'insane-readings',
      (deviceId, insane) =>
        engine?.readings(
          [0, 1, 2].map((i) =>
            validator.check({
              deviceId,
              metric: 'temperature',
              ts: Date.now() + i,
              value: insane ? 612.5 : 21,
              quality: 'good',
              source: 'plant-broker',
              arrivedAt: Date.now(),
            }),
          ),
        ),
    );
    const e = await startEngine(tempDataDir('rollout-mqtt'), deviceIds, ROLLOUT_HEALTH_POLICY);
    engine = e.engine;
    try {
      e.engine.create(config('insane'), 'alice', 'insane-release');
      await until(e.engine, 'insane-release', ['halted', 'completed']);
      await waitFor(
        () => e.engine.get('insane-release').devices.some((d) => d.state === 'rolled_back'),
        'the failed device rolled back',
      );
      const c = e.engine.get('insane-release');
      expect(c.currentWave).toBe(0);
      expect(c.devices.filter((d) => d.state !== 'pending')).toEqual([
        expect.objectContaining({
          state: 'rolled_back',
          reason: expect.stringMatching(
            /^readings not sane after update: temperature = 612\.5 is outside the profile's limits \(2 readings flagged\); rolled back to 1\.0\.0$/,
          ),
        }),
      ]);
      const first = c.devices.find((d) => d.wave === 0);
      expect(fleet.device(first?.deviceId ?? '')?.version).toBe('1.0.0');
    } finally {
      await e.close();
      await fleet.close();
    }
  });

  test('a bad release stops at the first wave and the failed device is rolled back', async () => {
    const deviceIds = ids('bad');
    const fleet = await fleetOf(deviceIds, () => 'fail-health');
    const e = await startEngine(tempDataDir('rollout-mqtt'), deviceIds);
    try {
      e.engine.create(config('bad'), 'alice', 'bad-release');
      await until(e.engine, 'bad-release', ['halted', 'completed']);
      await waitFor(
        () => e.engine.get('bad-release').devices.some((d) => d.state === 'rolled_back'),
        'the failed device rolled back',
      );
      const c = e.engine.get('bad-release');
      expect(c.currentWave).toBe(0);
      const first = c.devices.filter((d) => d.wave === 0);
      expect(first).toHaveLength(1);
      expect(first[0]).toMatchObject({ state: 'rolled_back', rollback: 'done' });
      expect(fleet.devices.filter((d) => d.installs > 0).map((d) => d.id)).toEqual([first[0]?.deviceId]);
      expect(fleet.device(first[0]?.deviceId ?? '')?.version).toBe('1.0.0');
    } finally {
      await e.close();
      await fleet.close();
    }
  });

  test('the engine stopped mid-wave and started again on the same file: no device installs twice, no wave skipped', async () => {
    const deviceIds = ids('crash');
    const fleet = await fleetOf(deviceIds, () => 'good');
    const dataDir = tempDataDir('rollout-mqtt');
    let e = await startEngine(dataDir, deviceIds);
    try {
      e.engine.create(config('crash'), 'alice', 'crash-release');
      await waitFor(() => e.engine.get('crash-release').currentWave === 2, 'wave 3 started', 10_000);
      await e.close();
      e = await startEngine(dataDir, deviceIds);
      await until(e.engine, 'crash-release', ['completed', 'halted']);
      const c = e.engine.get('crash-release');
      expect(c.state).toBe('completed');
      for (const d of fleet.devices) expect([d.id, d.installs]).toEqual([d.id, 1]);
      const journal = e.engine.journal('crash-release');
      expect(journal.filter((j) => j.to.startsWith('wave ')).map((j) => j.to)).toEqual([
        'wave 1',
        'wave 2',
        'wave 3',
        'wave 4',
      ]);
      const notified = journal.filter((j) => j.to === 'notified').map((j) => j.deviceId);
      expect(new Set(notified).size).toBe(20);
      expect(notified).toHaveLength(20);
    } finally {
      await e.close();
      await fleet.close();
    }
  });

  test('garbage from a device gets an AWS-style rejection, and the engine keeps serving', async () => {
    const deviceIds = ids('junk', 1);
    const e = await startEngine(tempDataDir('rollout-mqtt'), deviceIds);
    const client = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    try {
      e.engine.create({ ...config('junk'), waves: [100] }, 'alice', 'junk-release');
      const t = jobTopics('junk-00');
      const replies: Record<string, unknown>[] = [];
      client.on('message', (_topic, payload) => replies.push(JSON.parse(payload.toString())));
      await client.subscribeAsync([
        `${t.base}/+/update/rejected`,
        `${t.base}/+/chunk/rejected`,
        `${t.base}/start-next/accepted`,
      ]);
      client.publish(t.update('junk-release'), '{not json');
      client.publish(t.update('junk-release'), JSON.stringify({ status: 'DONE' }));
      client.publish(t.update('junk-release'), Buffer.alloc(9000, 0x20));
      client.publish(t.chunk('junk-release'), JSON.stringify({ offset: 0, length: 4096 }));
      client.publish(t.chunk('other-job'), JSON.stringify({ offset: 0 }));
      // an id that cannot be addressed is ignored, not answered
      client.publish('fieldline/bad$id/jobs/start-next', '{}');
      await waitFor(() => replies.length >= 5, 'five rejections');
      expect(replies.map((r) => r.code)).toEqual([
        'InvalidJson',
        'InvalidRequest',
        'InvalidRequest',
        'ResourceNotFound',
        'ResourceNotFound',
      ]);
      // after all that, a real start-next is still answered
      client.publish(t.startNext, JSON.stringify({ clientToken: 'ok-1' }));
      await waitFor(() => replies.some((r) => r.clientToken === 'ok-1'), 'start-next answered');
      const accepted = replies.find((r) => r.clientToken === 'ok-1') as {
        execution: { jobId: string; status: string };
      };
      expect(accepted.execution).toMatchObject({ jobId: 'junk-release', status: 'IN_PROGRESS' });
    } finally {
      await client.endAsync();
      await e.close();
    }
  });
});
