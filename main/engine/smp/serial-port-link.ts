/** A ByteLink over an open serialport SerialPort (a USB serial adapter, or a pty in tests). */
import type { SerialPort } from 'serialport';
import type { ByteLink } from './smp-transport';

/** libuv poll flags as @serialport/bindings-cpp's poller takes them (EVENTS in poller.js) */
const UV_READABLE_AND_WRITABLE = 0b0011;
/** how long a write may wait before the poller is re-armed */
const REARM_MS = 20;

interface PollerHolder {
  port?: { poller?: { poll?: (flags: number) => void } };
}

/**
 * @serialport/bindings-cpp (13.x, src/poller.cpp Poller::poll) starts the fd's poll with
 * only the event just asked for instead of all pending ones: a write waiting for
 * "writable" (the OS buffer was full) loses its watch when a read then waits for
 * "readable". If the device sends nothing until the rest of that write arrives (an SMP
 * frame half sent), both sides wait for ever. While a write is pending, both events are
 * re-armed now and then; a spare wake-up costs one retried write. No-op for a binding
 * without this poller (Windows, mocks).
 */
function rearmPoller(port: SerialPort): void {
  // once the port is closing its native poller is destroyed (linux.js close: stop, destroy);
  // polling a destroyed poller is a use-after-free that kills the process (seen when a USB
  // adapter vanished with a write pending), so never touch it then
  if (!port.isOpen) return;
  try {
    (port as unknown as PollerHolder).port?.poller?.poll?.(UV_READABLE_AND_WRITABLE);
  } catch {
    // the port closed meanwhile: the write fails on its own
  }
}

export function serialPortLink(port: SerialPort): ByteLink {
  let pending = 0;
  let timer: NodeJS.Timeout | undefined;
  const settled = () => {
    if (--pending === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  };
  return {
    write: (bytes) =>
      new Promise<void>((resolve, reject) => {
        if (pending++ === 0) timer = setInterval(() => rearmPoller(port), REARM_MS).unref();
        // the write callback fires once the bytes are in the OS; waiting for drain (tcdrain)
        // on every frame would add a thread-pool round trip per SMP packet
        port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (e) => {
          settled();
          if (e) reject(e);
          else resolve();
        });
      }),
    onData(listener) {
      const on = (chunk: Buffer) =>
        listener(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      port.on('data', on);
      return () => port.off('data', on);
    },
  };
}
