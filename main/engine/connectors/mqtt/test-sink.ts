/** A ConnectorSink that keeps everything, for the MQTT tests and bench. */
import type { ConnectorStatus } from '../../../../common/contract';
import type { Reading } from '../../../../common/reading';
import type { ConnectorSink, DeviceDescriptor } from '../connector';

export class RecordingSink implements ConnectorSink {
  readonly batches: Reading[][] = [];
  readonly all: Reading[] = [];
  readonly devices: DeviceDescriptor[] = [];
  readonly statuses: ConnectorStatus[] = [];
  onReadings: ((batch: Reading[]) => void) | undefined;
  onDevice: ((device: DeviceDescriptor) => void) | undefined;

  readings(batch: Reading[]): void {
    this.batches.push(batch);
    for (const r of batch) this.all.push(r);
    this.onReadings?.(batch);
  }

  deviceSeen(device: DeviceDescriptor): void {
    this.devices.push(device);
    this.onDevice?.(device);
  }

  statusChanged(status: ConnectorStatus): void {
    this.statuses.push(status);
  }

  states(): string[] {
    return this.statuses.map((s) => s.state);
  }
}
