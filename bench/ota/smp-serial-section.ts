/**
 * bench:ota section: SMP image upload over the serial console transport on a socat pty
 * pair, the simulated MCUboot device in its own process (smp-device-process.ts). In the
 * same run, the raw pty throughput is measured the same way (this process writes, the
 * device process counts), right before and right after each upload, and their mean is the
 * link's rate. What an SMP upload can carry at most is that raw rate times the console
 * framing's unavoidable overhead: base64 (3/4), then 124 payload characters per 127-byte
 * line; the figure is the upload's image bytes/s against it. The machine is shared, so
 * the load average and each process's CPU time per image byte (client, device, socat:
 * steadier than wall-clock rates) are printed too, beside what the raw runs spent on the
 * same number of wire bytes.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SerialPort } from 'serialport';
import { PtyPair } from '../../main/engine/connectors/serial/pty-pair';
import { buildTestImage } from '../../main/engine/smp/mcuboot-test-image';
import { serialPortLink } from '../../main/engine/smp/serial-port-link';
import { SmpClient } from '../../main/engine/smp/smp-client';
import { BASE64_PER_LINE, MAX_LINE_BYTES } from '../../main/engine/smp/smp-serial-framing';
import { type ByteLink, serialTransport } from '../../main/engine/smp/smp-transport';
import { cpuSnapshot } from './cpu-meter';
import { pacedLink } from './paced-link';
import { kib, type OtaBenchSection, percent } from './section';

/** the device's MCUmgr buffer sizes tried (a device tuned for serial updates; Zephyr's default is 384) */
const BUF_SIZES = [4096, 16384];
/** Zephyr's default CONFIG_MCUMGR_TRANSPORT_NETBUF_COUNT */
const BUF_COUNT = 4;
const RAW_BYTES = 16 * 1024 * 1024;
/** bytes/s of the paced run: 10 Mbaud, 8N1 */
const PACE = 1_000_000;

function once<T>(child: ChildProcess, kind: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { kind: string }) => {
      if (m.kind !== kind) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m as T);
    };
    const onExit = (code: number | null) => reject(new Error(`device process exited (${code})`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** wire bytes per image byte: base64, then 124 characters a 127-byte line */
const WIRE_PER_IMAGE_BYTE = (4 / 3) * (MAX_LINE_BYTES / BASE64_PER_LINE);

type Pids = Record<string, number | undefined>;
interface Run {
  /** bytes/s: raw bytes for a raw run, image bytes for an upload */
  rate: number;
  /** CPU ns per byte (raw byte, image byte) by process */
  cpu: Record<string, number | undefined>;
}

function perByte(cpu: Record<string, number | undefined>, bytes: number) {
  return Object.fromEntries(
    Object.entries(cpu).map(([k, v]) => [k, v === undefined ? undefined : v / bytes]),
  );
}

async function rawThroughput(link: ByteLink, device: ChildProcess, pids: Pids): Promise<Run> {
  const total = RAW_BYTES;
  const ready = once(device, 'ready');
  device.send({ kind: 'raw', bytes: total });
  await ready;
  const done = once(device, 'raw-done');
  const chunk = Buffer.alloc(64 * 1024, 0x41);
  const cpu = cpuSnapshot(pids);
  const started = process.hrtime.bigint();
  for (let sent = 0; sent < total; sent += chunk.length)
    await link.write(chunk.subarray(0, Math.min(chunk.length, total - sent)));
  await done;
  const rate = total / (Number(process.hrtime.bigint() - started) / 1e9);
  return { rate, cpu: perByte(cpu.since(), total) };
}

async function upload(
  link: ByteLink,
  device: ChildProcess,
  imageBytes: number,
  bufSize: number,
  pids: Pids,
  pace?: number,
): Promise<Run> {
  const ready = once(device, 'ready');
  device.send({ kind: 'device', bufSize, bufCount: BUF_COUNT, slotSize: 1 << 26, pace });
  await ready;
  const image = buildTestImage(
    new Uint8Array(imageBytes - 32 - 40).map((_, i) => (i * 13) & 0xff),
    { major: 1, minor: 1, revision: 0 },
  );
  const client = new SmpClient(serialTransport(link), { timeoutMs: 5000 });
  try {
    await client.mcumgrParams();
    const cpu = cpuSnapshot(pids);
    const started = process.hrtime.bigint();
    await client.upload(image);
    const rate = image.length / (Number(process.hrtime.bigint() - started) / 1e9);
    return { rate, cpu: perByte(cpu.since(), image.length) };
  } finally {
    client.close();
  }
}

function line(rate: number, raw: number): string {
  const ceiling = raw / WIRE_PER_IMAGE_BYTE;
  return `${kib(rate)} of image; link ${kib(raw)} raw, ${kib(ceiling)} after base64 and framing; ${percent(rate / ceiling)} of what the link carries`;
}

function cpuLine(up: Run, raws: Run[]): string | undefined {
  const ns = (v: number | undefined) => (v === undefined ? '?' : v.toFixed(1));
  const names = Object.keys(up.cpu);
  if (names.every((k) => up.cpu[k] === undefined)) return undefined;
  const sum = (cpu: Record<string, number | undefined>) => names.reduce((t, k) => t + (cpu[k] ?? 0), 0);
  // the raw runs' cost of the wire bytes one image byte becomes, averaged over before and after
  const rawCpu = Object.fromEntries(
    names.map((k) => [
      k,
      (raws.reduce((t, r) => t + (r.cpu[k] ?? 0), 0) / raws.length) * WIRE_PER_IMAGE_BYTE,
    ]),
  );
  return `CPU ns per image byte: ${names.map((k) => `${k} ${ns(up.cpu[k])}`).join(', ')} (total ${ns(sum(up.cpu))}); the raw link, same wire bytes: ${names.map((k) => `${k} ${ns(rawCpu[k])}`).join(', ')} (total ${ns(sum(rawCpu))})`;
}

const loadLine = () =>
  `load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} on ${os.availableParallelism()} CPUs`;

export const smpSerialSection: OtaBenchSection = {
  title: `SMP upload over serial (socat pty, simulated MCUboot device in its own process, buf_count ${BUF_COUNT})`,
  async run(print) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-bench-ota-'));
    const pair = new PtyPair(path.join(dir, 'host'), path.join(dir, 'device'));
    await pair.start();
    const device = fork(path.join(__dirname, 'smp-device-process.ts'), [pair.b], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const host = new SerialPort({ path: pair.a, baudRate: 115_200, autoOpen: false });
    try {
      await once(device, 'ready');
      await new Promise<void>((resolve, reject) => host.open((e) => (e ? reject(e) : resolve())));
      const link = serialPortLink(host);
      const pids: Pids = { client: process.pid, device: device.pid, socat: pair.pid };
      print(loadLine());
      for (const bufSize of BUF_SIZES)
        for (const mib of [1, 4]) {
          const before = await rawThroughput(link, device, pids);
          const up = await upload(link, device, mib * 1024 * 1024, bufSize, pids);
          const after = await rawThroughput(link, device, pids);
          print(
            `${mib} MiB image, buf_size ${bufSize}, pty at full speed: ${line(up.rate, (before.rate + after.rate) / 2)} (raw ${kib(before.rate)} before, ${kib(after.rate)} after)`,
          );
          const cpu = cpuLine(up, [before, after]);
          if (cpu) print(`  ${cpu}`);
        }
      // the same link held to a UART's pace (both ways): what the protocol loses to round trips
      // (its capacity is the pace itself; a raw run through the pacer only approaches it)
      const paced = pacedLink(link, PACE);
      const bufSize = BUF_SIZES[0] as number;
      const { rate } = await upload(paced, device, 1024 * 1024, bufSize, pids, PACE);
      print(
        `1 MiB image, buf_size ${bufSize}, link paced to ${PACE / 1_000_000} MB/s (a 10 Mbaud UART): ${line(rate, PACE)}`,
      );
      print(loadLine());
    } finally {
      device.disconnect();
      await new Promise<void>((r) => (host.isOpen ? host.close(() => r()) : r()));
      await new Promise((r) => device.once('exit', r));
      await pair.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
