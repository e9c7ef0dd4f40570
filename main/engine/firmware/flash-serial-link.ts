/** Opens a serial port (USB adapter or pty) as an SMP client for a flash job, and closes it all again. */
import { SerialPort } from 'serialport';
import { describeOpenError } from '../provisioning/device-channel';
import { serialPortLink } from '../smp/serial-port-link';
import { SmpClient } from '../smp/smp-client';
import { serialTransport } from '../smp/smp-transport';
import type { FlashLink } from './flash-job';

export interface SerialTarget {
  path: string;
  baudRate: number;
}

export async function openSerialFlashLink(target: SerialTarget, timeoutMs = 1500): Promise<FlashLink> {
  const port = new SerialPort({ path: target.path, baudRate: target.baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) =>
    port.open((e) => (e ? reject(describeOpenError(target.path, e)) : resolve())),
  );
  const link = serialPortLink(port);
  const transport = serialTransport(link);
  const client = new SmpClient(transport, { timeoutMs });
  // a pulled cable surfaces as a port error; the job sees it as requests timing out
  port.on('error', () => {});
  return {
    client,
    // the application's telemetry and logs share the UART with SMP
    onDeviceOutput: (listener) => link.onData(listener),
    async close() {
      client.close();
      transport.close();
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    },
  };
}
