/**
 * Every kind of connector a user can add, by name. Each validates its own config.
 */
import { createRequire } from 'node:module';
import type { ConnectorStatus } from '../../../common/contract';
import type { DeviceProfile } from '../profiles/profile';
import {
  type BleConnector,
  type BleConnectorConfig,
  BleConnectorConfigSchema,
  type BleConnectorOptions,
  createBleConnector,
  type Noble,
} from './ble/ble-connector';
import type { ConnectorSink } from './connector';
import type { ConnectorFactory } from './connector-manager';
import {
  createMqttConnector,
  type MqttConnectorConfig,
  MqttConnectorConfigSchema,
} from './mqtt/mqtt-connector';
import { serialConnectorFactory } from './serial/factory';

/**
 * A Bluetooth radio other than the machine's: a noble binding (the object
 * `@abandonware/noble/with-bindings` drives). The headless host's --simulated-ble gives one.
 */
export interface NobleBindingSource {
  /** shown before every BLE connector's status, so nobody mistakes it for real devices */
  description: string;
  /** a fresh binding for each BLE connector */
  create(): unknown;
}

export interface ConnectorFactoryOptions {
  /** BLE connectors use this binding instead of the machine's adapter */
  bleBinding?: NobleBindingSource;
  /** the engine's device profiles (vendor GATT characteristics); default: the shipped ones */
  profiles?: (id: string) => DeviceProfile | undefined;
  /** the profile the registry gave a device (BLE connectors map its characteristics by it) */
  assignedProfile?: (deviceId: string) => string | undefined;
}

export function createConnectorFactories(
  options: ConnectorFactoryOptions = {},
): Readonly<Record<string, ConnectorFactory>> {
  const { bleBinding, profiles, assignedProfile } = options;
  const bleOptions = { ...(profiles ? { profiles } : {}), ...(assignedProfile ? { assignedProfile } : {}) };
  return {
    serial: serialConnectorFactory,
    mqtt: {
      schema: MqttConnectorConfigSchema,
      create: (config, sink, log) => createMqttConnector(config as MqttConnectorConfig, sink, log),
    },
    ble: {
      schema: BleConnectorConfigSchema,
      create: (config, sink, log) =>
        bleBinding
          ? createBoundBleConnector(config as BleConnectorConfig, sink, log, bleBinding, bleOptions)
          : createBleConnector(config as BleConnectorConfig, sink, log, undefined, bleOptions),
    },
  };
}

/** The factories for the machine's own radios. */
export const CONNECTOR_FACTORIES = createConnectorFactories();

const requireHere = createRequire(__filename);

function createBoundBleConnector(
  config: BleConnectorConfig,
  sink: ConnectorSink,
  log: Parameters<typeof createBleConnector>[2],
  source: NobleBindingSource,
  options: BleConnectorOptions,
): BleConnector {
  const note = (s: ConnectorStatus): ConnectorStatus => ({
    ...s,
    detail: `${source.description}: ${s.detail}`,
  });
  const noted: ConnectorSink = {
    readings: (batch) => sink.readings(batch),
    deviceSeen: (device) => sink.deviceSeen(device),
    statusChanged: (status) => sink.statusChanged(note(status)),
  };
  const connector = createBleConnector(
    config,
    noted,
    log,
    () => {
      // loaded only here: with-bindings is noble without its native hci/mac bindings
      const withBindings = requireHere('@abandonware/noble/with-bindings') as (binding: unknown) => Noble;
      return withBindings(source.create());
    },
    options,
  );
  return { ...connector, status: () => note(connector.status()) };
}
