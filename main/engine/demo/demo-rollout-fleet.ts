/**
 * The demo site's rollout fleet: its devices also take firmware jobs, through an
 * in-process job broker (aedes, plain MQTT on 127.0.0.1 only), and two demo images sit in
 * the firmware store: one the devices install and confirm, one that fails their health
 * check after boot. A new user can start a rollout of each and watch the bad one stop at
 * the first wave and roll back. Demo only; a real site names its own broker.
 */
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import net from 'node:net';
import type { Aedes } from 'aedes';
import type { FirmwareLibrary } from '../firmware/firmware-library';
import { signMcubootImage } from '../firmware/imgtool-sign';
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

/**
 * The demo's signing key: Ed25519 from a fixed, published seed. It signs only the demo's
 * simulated images and is pinned only in the demo's own data folder; it is no secret.
 */
const DEMO_KEY_NAME = 'Fieldline demo key (simulated devices only)';
function demoSigningKey() {
  const seed = createHash('sha256').update('fieldline demo signing key, public, simulated').digest();
  // PKCS#8 for Ed25519 is a fixed 16-byte prefix and the 32-byte seed (RFC 8410 §7)
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return {
    privateKey,
    pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyHash: createHash('sha256').update(spki).digest('hex'),
  };
}

/**
 * The demo site's devices are all built on one board, the "FL-2 node": its MCUboot image class
 * (UUID_CID, imgtool --cid), which the shipped profiles of the demo's models declare too.
 */
export const FL2_NODE_CLASS = 'b09a6f29-c731-5c02-8f19-15fa59388995';

/** Both demo releases, signed and in the library like any image a user imports. */
async function importDemoImages(library: FirmwareLibrary) {
  const key = demoSigningKey();
  if (!library.keys().some((k) => k.keyHash === key.keyHash)) library.addKey(DEMO_KEY_NAME, key.pem, 'demo');
  const put = async (minor: number, seed: string) => {
    const bytes = signMcubootImage({
      payload: demoImage(seed),
      version: { major: 1, minor, revision: 0, build: 0 },
      securityCounter: 1,
      classId: FL2_NODE_CLASS,
      key: key.privateKey,
    });
    const imported = await library.import(bytes, `demo-1.${minor}.0.signed.bin`, 'demo');
    if (!imported.ok) throw new Error(`the demo image 1.${minor}.0 was refused: ${imported.reason}`);
    return imported.value.image;
  };
  return {
    good: await put(1, 'fieldline demo firmware 1.1.0'),
    bad: await put(2, 'fieldline demo firmware 1.2.0 (fails health)'),
  };
}

export async function startDemoRolloutFleet(options: {
  deviceIds: readonly string[];
  firmware: FirmwareLibrary;
  log: Logger;
  /** pause between a device's steps; slow enough to watch */
  stepMs?: number;
}): Promise<DemoRolloutFleet> {
  const { good, bad } = await importDemoImages(options.firmware);
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
