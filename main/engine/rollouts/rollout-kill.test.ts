/**
 * SIGKILL of the engine mid-rollout: the campaign engine runs in a child process on a
 * real SQLite file and a real mosquitto, the simulated fleet runs here and outlives it.
 * The child is killed while wave 3 is under way; an engine started again on the same
 * file must finish the rollout with no device installing twice and no wave skipped.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MosquittoBroker, waitFor } from '../connectors/mqtt/mosquitto-harness';
import { tempDataDir } from '../store/test-fixtures';
import { killTestDevices, killTestImage } from './rollout-kill-fixture';
import { startMqttRolloutEngine } from './rollout-test-engine';
import { SimulatedMqttFleet } from './simulated-mqtt-fleet';

let broker: MosquittoBroker;
beforeAll(async () => {
  broker = new MosquittoBroker({ extra: ['set_tcp_nodelay true'] });
  await broker.start();
});
afterAll(async () => {
  await broker.stop();
});

/** Runs the child until it has started wave index `wave`, waits `afterMs`, then SIGKILLs it. */
async function killDuringWave(dataDir: string, wave: number, afterMs: number): Promise<void> {
  // tsx as a loader in the child's own process, so the SIGKILL hits the engine itself
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'rollout-kill-child.ts'), dataDir, broker.url, '20'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_c, signal) => resolve(signal)),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`child never reached wave ${wave + 1}: ${stderr}`)),
      10_000,
    );
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes(`wave ${wave}\n`)) {
        clearTimeout(timer);
        setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, afterMs);
      }
    });
    void exited.then(() => reject(new Error(`child exited early: ${stderr}`)));
  });
  expect(await exited).toBe('SIGKILL');
}

describe('rollout survives SIGKILL of the engine', () => {
  test('killed mid-wave 3, restarted on the same file: completes, one install per device, waves in order', async () => {
    const deviceIds = killTestDevices(20);
    const image = killTestImage();
    const fleet = new SimulatedMqttFleet({
      brokerUrl: broker.url,
      deviceIds,
      behaviourOf: () => 'good',
      version: '1.0.0',
      stepMs: 15,
      chunkBytes: 2048,
      replyTimeoutMs: 300,
    });
    await fleet.start();
    const dataDir = tempDataDir('rollout-kill');
    try {
      // 10 ms in: each device needs at least two 15 ms steps, so wave 3 is surely unfinished
      await killDuringWave(dataDir, 2, 10);
      const e = await startMqttRolloutEngine({ dataDir, brokerUrl: broker.url, deviceIds, image });
      try {
        const midway = e.engine.get('kill-release');
        expect(midway.currentWave).toBe(2);
        expect(midway.state).toBe('running');
        // the kill came while wave 3 was still being installed
        expect(midway.devices.some((d) => d.wave === 2 && d.state !== 'succeeded')).toBe(true);
        await waitFor(
          () => e.engine.get('kill-release').state !== 'running',
          'the rollout to finish',
          10_000,
        );
        const done = e.engine.get('kill-release');
        expect(done.state).toBe('completed');
        expect(done.devices.every((d) => d.state === 'succeeded')).toBe(true);
        for (const d of fleet.devices) expect([d.id, d.installs, d.version]).toEqual([d.id, 1, '1.1.0']);
        const journal = e.engine.journal('kill-release');
        expect(journal.filter((j) => j.to.startsWith('wave ')).map((j) => j.to)).toEqual([
          'wave 1',
          'wave 2',
          'wave 3',
          'wave 4',
        ]);
        const notified = journal.filter((j) => j.to === 'notified').map((j) => j.deviceId);
        expect(notified).toHaveLength(20);
        expect(new Set(notified).size).toBe(20);
      } finally {
        await e.close();
      }
    } finally {
      await fleet.close();
    }
  });
});
