/** A ByteLink over an open serialport SerialPort (a USB serial adapter, or a pty in tests). */
import type { SerialPort } from 'serialport';
import type { ByteLink } from './smp-transport';

export function serialPortLink(port: SerialPort): ByteLink {
  return {
    write: (bytes) =>
      new Promise<void>((resolve, reject) => {
        // the write callback fires once the bytes are in the OS; waiting for drain (tcdrain)
        // on every frame would add a thread-pool round trip per SMP packet
        port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (e) =>
          e ? reject(e) : resolve(),
        );
      }),
    onData(listener) {
      const on = (chunk: Buffer) =>
        listener(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      port.on('data', on);
      return () => port.off('data', on);
    },
  };
}
