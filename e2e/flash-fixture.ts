/**
 * What the flashing end-to-end tests share: a fleet signing key pinned and imgtool-format
 * signed images imported through the firmware library's RPC, as a user does in the
 * Firmware view, and a simulated MCUboot device on the far end of a real socat pty pair.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SerialPort } from 'serialport';
import type { FirmwareImportResult } from '../common/firmware-contract';
import { PtyPair } from '../main/engine/connectors/serial/pty-pair';
import { FL2_NODE_CLASS } from '../main/engine/demo/demo-rollout-fleet';
import { signMcubootImage } from '../main/engine/firmware/imgtool-sign';
import { serialPortLink } from '../main/engine/smp/serial-port-link';
import {
  SimulatedMcubootDevice,
  type SimulatedMcubootOptions,
} from '../main/engine/smp/simulated-mcuboot-device';
import { type NewImageReadings, startSimulatedTelemetry } from '../main/engine/smp/simulated-telemetry';
import { SmpClient } from '../main/engine/smp/smp-client';
import { serialTransport } from '../main/engine/smp/smp-transport';
import type { RpcClient } from './harness';

const fleet = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

/**
 * For the FL-2 node board unless told otherwise: the hardware class (UUID_CID, imgtool --cid)
 * the shipped pump, env-sensor, pressure-sensor and power-meter profiles declare.
 */
export function signedImage(minor: number, size: number, classId: string = FL2_NODE_CLASS): Uint8Array {
  return signMcubootImage({
    payload: Uint8Array.from({ length: size }, (_, i) => (i * 29 + (i >> 9) + minor) & 0xff),
    version: { major: 2, minor, revision: 0, build: 0 },
    securityCounter: 1,
    key: fleet.privateKey,
    classId,
  });
}

/** Pins the fleet key and imports the images into the engine's firmware library; returns their SHA-256s. */
export async function prepareFirmware(rpc: RpcClient, images: Uint8Array[]): Promise<string[]> {
  const pem = fleet.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  await rpc.request('firmware.keys.add', { name: 'fleet', pem });
  const out: string[] = [];
  for (const [i, image] of images.entries()) {
    const imported = await rpc.request<FirmwareImportResult>('firmware.import', {
      fileName: `image-${i}.bin`,
      dataBase64: Buffer.from(image).toString('base64'),
    });
    out.push(imported.image.sha256);
  }
  return out;
}

export interface BenchDevice {
  pty: PtyPair;
  device: SimulatedMcubootDevice;
  /** what the device reports, read over its own port end (use only while no job runs) */
  slots(): Promise<Awaited<ReturnType<SmpClient['imageState']>>>;
  /** a line the application prints on the same UART (telemetry beside SMP, as Zephyr apps do) */
  print(line: string): Promise<void>;
  close(): Promise<void>;
}

export interface BenchTelemetry {
  deviceId: string;
  everyMs?: number;
  /** what the application prints once it runs an image other than the one it powered on with */
  newImage?: NewImageReadings;
}

export async function benchDevice(
  options: SimulatedMcubootOptions & { telemetry?: BenchTelemetry },
): Promise<BenchDevice> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-e2e-flash-'));
  const pty = new PtyPair(path.join(dir, 'ttyACM0'), path.join(dir, 'device'));
  await pty.start();
  const port = new SerialPort({ path: pty.b, baudRate: 115_200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  const device = new SimulatedMcubootDevice(serialPortLink(port), options);
  const print = (line: string) =>
    new Promise<void>((resolve, reject) => port.write(`${line}\r\n`, (e) => (e ? reject(e) : resolve())));
  // the application prints its readings beside SMP, as real firmware does: the flash health check needs them
  const telemetry =
    options.telemetry && startSimulatedTelemetry(device, { everyMs: 500, ...options.telemetry, print });
  return {
    pty,
    device,
    async slots() {
      const host = new SerialPort({ path: pty.a, baudRate: 115_200, autoOpen: false });
      await new Promise<void>((resolve, reject) => host.open((e) => (e ? reject(e) : resolve())));
      const transport = serialTransport(serialPortLink(host));
      const client = new SmpClient(transport, { timeoutMs: 1000 });
      try {
        return await client.imageState();
      } finally {
        client.close();
        transport.close();
        await new Promise<void>((resolve) => host.close(() => resolve()));
      }
    },
    print,
    async close() {
      telemetry?.stop();
      device.stop();
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
      await pty.stop();
    },
  };
}
