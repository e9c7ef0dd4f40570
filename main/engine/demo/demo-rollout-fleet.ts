/**
 * The demo site's rollout fleet: its devices also take firmware jobs, through an
 * in-process job broker (aedes, plain MQTT on 127.0.0.1 only), and two demo images sit in
 * the firmware store: one the devices install and confirm, one that fails their health
 * check after boot. A new user can start a rollout of each and watch the bad one stop at
 * the first wave and roll back. Demo only; a real site names its own broker.
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import type { Aedes } from 'aedes';
import type { FirmwareStore } from '../firmware/firmware-store';
import type { Logger } from '../log';
import { SimulatedMqttFleet } from '../rollouts/simulated-mqtt-fleet';

export interface DemoImage {
  label: string;
  sha256: string;
  version: string;
}

export interface DemoRolloutFleet {
  brokerUrl: string;
  images: DemoImage[];
  close(): Promise<void>;
}

const IMAGE_BYTES = 48 * 1024;

/** Bytes that look like nothing in particular, the same in every run. */
function demoImage(seed: string): Uint8Array {
  const out = new Uint8Array(IMAGE_BYTES);
  let block = createHash('sha256').update(seed).digest();
  for (let i = 0; i < out.length; i += block.length) {
    out.set(block.subarray(0, Math.min(block.length, out.length - i)), i);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

export async function startDemoRolloutFleet(options: {
  deviceIds: readonly string[];
  firmware: FirmwareStore;
  log: Logger;
  /** pause between a device's steps; slow enough to watch */
  stepMs?: number;
}): Promise<DemoRolloutFleet> {
  const good = await options.firmware.put(demoImage('fieldline demo firmware 1.1.0'));
  const bad = await options.firmware.put(demoImage('fieldline demo firmware 1.2.0 (fails health)'));
  const { Aedes } = await import('aedes');
  const aedes: Aedes = new Aedes();
  await aedes.listen();
  // jobs are request/reply: without noDelay each small reply waits on Nagle
  const server = net.createServer({ noDelay: true }, (socket) => aedes.handle(socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  const brokerUrl = `mqtt://127.0.0.1:${port}`;
  const fleet = new SimulatedMqttFleet({
    brokerUrl,
    deviceIds: options.deviceIds,
    behaviourOf: (_id, firmware) => (firmware.sha256 === bad.sha256 ? 'fail-health' : 'good'),
    version: '1.0.0',
    stepMs: options.stepMs ?? 400,
  });
  try {
    await fleet.start();
  } catch (error) {
    server.close();
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    throw error;
  }
  options.log.info('demo rollout fleet ready', { brokerUrl, devices: options.deviceIds.length });
  return {
    brokerUrl,
    images: [
      { label: 'Demo 1.1.0 (healthy)', sha256: good.sha256, version: '1.1.0' },
      { label: 'Demo 1.2.0 (fails its health check)', sha256: bad.sha256, version: '1.2.0' },
    ],
    async close() {
      await fleet.close();
      // aedes drops its clients' sockets, so the server's close does not wait on them
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
