/** A ByteLink over an open serialport SerialPort (a USB serial adapter, or a pty in tests). */
import type { SerialPort } from 'serialport';
import type { ByteLink } from './smp-transport';

export function serialPortLink(port: SerialPort): ByteLink {
  return {
    write: (bytes) =>
      new Promise<void>((resolve, reject) => {
        port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (e) => {
          if (e) reject(e);
          else port.drain((d) => (d ? reject(d) : resolve()));
        });
      }),
    onData(listener) {
      const on = (chunk: Buffer) => listener(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      port.on('data', on);
      return () => port.off('data', on);
    },
  };
}
