/**
 * A byte link paced to a line rate, as a UART is: bytes leave in slices no faster than
 * `bytesPerSecond`, writes queue behind each other like a transmit FIFO. A timer waking
 * late is made up on the next slice (the schedule only restarts when the line went idle),
 * so the pace holds on average even on a busy machine.
 */
import type { ByteLink } from '../../main/engine/smp/smp-transport';

export function pacedLink(link: ByteLink, bytesPerSecond: number, sliceMs = 2): ByteLink {
  const slice = Math.max(1, Math.round((bytesPerSecond * sliceMs) / 1000));
  let lineFreeAt = 0;
  let queue: Promise<void> = Promise.resolve();
  const send = async (bytes: Uint8Array) => {
    // the pieces go to the link without waiting for each other (the OS queues them in order):
    // only the pace holds a piece back, not the link's own write latency
    let last: Promise<void> = Promise.resolve();
    for (let at = 0; at < bytes.length; at += slice) {
      const piece = bytes.subarray(at, at + slice);
      const now = performance.now();
      if (lineFreeAt > now) await new Promise((r) => setTimeout(r, lineFreeAt - now));
      lineFreeAt = Math.max(lineFreeAt, performance.now() - sliceMs) + (piece.length / bytesPerSecond) * 1000;
      last = link.write(piece);
      last.catch(() => {});
    }
    await last;
  };
  return {
    onData: (listener) => link.onData(listener),
    write(bytes) {
      const done = queue.then(() => send(bytes));
      queue = done.catch(() => {});
      return done;
    },
  };
}
