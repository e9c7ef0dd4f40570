/**
 * What every connector (serial, BLE, MQTT, and the demo site's simulated links) gives
 * the engine, and what the engine gives back. Connectors decode their wire format into
 * Readings and hand them over in batches; they never touch the store.
 */
import type { ConnectorStatus } from '../../../common/contract';
import type { Reading, Transport } from '../../../common/reading';

export interface DeviceDescriptor {
  id: string;
  name: string;
  /** free text for the UI: "temperature/humidity sensor", "pump", "power meter" */
  kind: string;
  /** id of a profile in resources/profiles */
  profile: string;
  transport: Transport;
  connectorId: string;
}

export interface ConnectorSink {
  /** decoded readings, in the order the link delivered them; may be any size */
  readings(batch: Reading[]): void;
  /** a device announced itself or was recognised on the link */
  deviceSeen(device: DeviceDescriptor): void;
  /** the connector's state or counters changed */
  statusChanged(status: ConnectorStatus): void;
}

export interface Connector {
  readonly id: string;
  status(): ConnectorStatus;
  start(): void;
  stop(): Promise<void>;
  /** the unit the connector's own config gives a device's metric (an MQTT payload mapping), if any */
  metricUnit?(deviceId: string, metric: string): string | undefined;
}
