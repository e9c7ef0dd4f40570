/**
 * The far end of the serial link in bench:ota, in its own process as a real device is:
 * forked with an IPC channel, it opens the pty's device side and either counts raw bytes
 * (to measure what the link carries) or runs the simulated MCUboot device. Like firmware
 * on a UART it reads the line directly (a tty stream on the event loop, no serialport
 * thread-pool round trip per read): the host side under test is the product's own link.
 *
 * Messages in:  { kind: 'raw', bytes } | { kind: 'device', bufSize, bufCount, slotSize, pace? }
 * (`pace`: the device's answers leave at that many bytes/s, as on a UART)
 * Messages out: { kind: 'ready' } | { kind: 'raw-done', bytes }
 */
import { openSync } from 'node:fs';
import tty from 'node:tty';
import { buildTestImage } from '../../main/engine/smp/mcuboot-test-image';
import { SimulatedMcubootDevice } from '../../main/engine/smp/simulated-mcuboot-device';
import type { ByteLink } from '../../main/engine/smp/smp-transport';
import { pacedLink } from './paced-link';

type Command =
  | { kind: 'raw'; bytes: number }
  | { kind: 'device'; bufSize: number; bufCount: number; slotSize: number; pace?: number };

const path = process.argv[2];
if (!path || !process.send) throw new Error('usage: forked with the device-side pty path');
const send = (m: unknown) => process.send?.(m);

const input = new tty.ReadStream(openSync(path, 'r+'));
input.setRawMode(true);
const output = new tty.WriteStream(openSync(path, 'r+'));
const link: ByteLink = {
  write: (bytes) =>
    new Promise<void>((resolve, reject) => output.write(bytes, (e) => (e ? reject(e) : resolve()))),
  onData(listener) {
    const on = (b: Buffer) => listener(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
    input.on('data', on);
    return () => input.off('data', on);
  },
};
send({ kind: 'ready' });

let device: SimulatedMcubootDevice | undefined;
process.on('message', (m: Command) => {
  if (m.kind === 'raw') {
    let received = 0;
    const off = link.onData((b) => {
      received += b.length;
      if (received < m.bytes) return;
      off();
      send({ kind: 'raw-done', bytes: received });
    });
    send({ kind: 'ready' });
  } else {
    device?.stop();
    device = new SimulatedMcubootDevice(m.pace ? pacedLink(link, m.pace) : link, {
      initialImage: buildTestImage(new Uint8Array(1024), { major: 1, minor: 0, revision: 0 }),
      bufSize: m.bufSize,
      bufCount: m.bufCount,
      slotSize: m.slotSize,
    });
    send({ kind: 'ready' });
  }
});
process.on('disconnect', () => {
  device?.stop();
  process.exit(0);
});
