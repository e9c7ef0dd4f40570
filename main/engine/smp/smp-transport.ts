/**
 * What the SMP client needs from a link: whole SMP packets out and in. The serial
 * transport here wraps any byte link (a serial port, a pty) in the console framing;
 * a BLE transport implements the same interface with its own packet limit.
 */
import { encodeSerialFrame, SerialFrameDecoder, type SmpFrameError } from './smp-serial-framing';

export interface ByteLink {
  write(bytes: Uint8Array): Promise<void>;
  /** subscribes to incoming bytes; returns the unsubscribe */
  onData(listener: (bytes: Uint8Array) => void): () => void;
}

export interface SmpTransport {
  send(packet: Uint8Array): Promise<void>;
  onPacket(listener: (packet: Uint8Array) => void): () => void;
  /** the largest SMP packet (header + body) a device with `buf_size` accepts over this transport */
  maxPacket(bufSize: number): number;
  close(): void;
}

/** Zephyr decodes a serial frame (length prefix and CRC included) into one netbuf of buf_size. */
const SERIAL_FRAME_EXTRA = 4;

export function serialTransport(
  link: ByteLink,
  onFrameError: (e: SmpFrameError) => void = () => {},
): SmpTransport {
  const listeners = new Set<(packet: Uint8Array) => void>();
  const decoder = new SerialFrameDecoder((packet) => {
    for (const l of [...listeners]) l(packet);
  }, onFrameError);
  const off = link.onData((bytes) => decoder.push(bytes));
  return {
    send: (packet) => link.write(encodeSerialFrame(packet)),
    onPacket(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    maxPacket: (bufSize) => Math.max(0, bufSize - SERIAL_FRAME_EXTRA),
    close() {
      off();
      listeners.clear();
    },
  };
}
