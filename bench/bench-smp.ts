/**
 * NODE_OPTIONS="--conditions=import --experimental-require-module" npx tsx bench/bench-smp.ts [imageKiB=1024] [bufSize=2048]
 * (cborg is ESM-only and tsx runs this package's .ts as CommonJS; the two flags let require() load it)
 *
 * SMP serial upload over a socat pty pair: the client (serialport) uploads an MCUboot
 * image to the simulated device, and in the same run the raw pty throughput is measured
 * by pushing bytes the same way. The ceiling an SMP upload can reach is the raw rate
 * times the console framing's unavoidable overhead (base64 3/4, then 124 payload
 * characters per 127-byte line); the figure is the upload's image bytes/s against it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SerialPort } from 'serialport';
import { PtyPair } from '../main/engine/connectors/serial/pty-pair';
import { buildTestImage } from '../main/engine/smp/mcuboot-test-image';
import { serialPortLink } from '../main/engine/smp/serial-port-link';
import { SimulatedMcubootDevice } from '../main/engine/smp/simulated-mcuboot-device';
import { SmpClient } from '../main/engine/smp/smp-client';
import { BASE64_PER_LINE, MAX_LINE_BYTES } from '../main/engine/smp/smp-serial-framing';
import { serialTransport } from '../main/engine/smp/smp-transport';

const imageKiB = Number(process.argv[2] ?? 1024);
const bufSize = Number(process.argv[3] ?? 2048);

async function open(p: string): Promise<SerialPort> {
  const port = new SerialPort({ path: p, baudRate: 115_200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  return port;
}

async function rawThroughput(host: SerialPort, device: SerialPort, total: number): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024, 0x41);
  let received = 0;
  const done = new Promise<void>((resolve) => {
    const on = (b: Buffer) => {
      received += b.length;
      if (received >= total) {
        device.off('data', on);
        resolve();
      }
    };
    device.on('data', on);
  });
  const link = serialPortLink(host);
  const started = process.hrtime.bigint();
  for (let sent = 0; sent < total; sent += chunk.length)
    await link.write(chunk.subarray(0, Math.min(chunk.length, total - sent)));
  await done;
  return total / (Number(process.hrtime.bigint() - started) / 1e9);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-bench-smp-'));
  const pair = new PtyPair(path.join(dir, 'host'), path.join(dir, 'device'));
  await pair.start();
  const devicePort = await open(pair.b);
  const hostPort = await open(pair.a);
  try {
    const initial = buildTestImage(new Uint8Array(1024), { major: 1, minor: 0, revision: 0 });
    const image = buildTestImage(
      new Uint8Array(imageKiB * 1024).map((_, i) => (i * 13) & 0xff),
      { major: 1, minor: 1, revision: 0 },
    );
    const raw = await rawThroughput(hostPort, devicePort, 8 * 1024 * 1024);
    const device = new SimulatedMcubootDevice(serialPortLink(devicePort), {
      initialImage: initial,
      bufSize,
      slotSize: 1 << 26,
    });
    const client = new SmpClient(serialTransport(serialPortLink(hostPort)), { timeoutMs: 5000 });
    const started = process.hrtime.bigint();
    await client.upload(image);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    device.stop();
    client.close();
    const upload = image.length / seconds;
    const ceiling = raw * (3 / 4) * (BASE64_PER_LINE / MAX_LINE_BYTES);
    const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB/s`;
    console.log(`raw pty throughput:            ${kib(raw)}`);
    console.log(`ceiling after base64+framing:  ${kib(ceiling)}`);
    console.log(
      `SMP upload (${imageKiB} KiB, buf_size ${bufSize}): ${kib(upload)} in ${seconds.toFixed(2)} s`,
    );
    console.log(`upload / ceiling:              ${((upload / ceiling) * 100).toFixed(1)} %`);
  } finally {
    await new Promise<void>((r) => hostPort.close(() => r()));
    await new Promise<void>((r) => devicePort.close(() => r()));
    await pair.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
