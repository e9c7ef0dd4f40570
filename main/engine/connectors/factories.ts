/**
 * Every kind of connector a user can add, by name. Each validates its own config.
 */
import { type BleConnectorConfig, BleConnectorConfigSchema, createBleConnector } from './ble/ble-connector';
import type { ConnectorFactory } from './connector-manager';
import {
  createMqttConnector,
  type MqttConnectorConfig,
  MqttConnectorConfigSchema,
} from './mqtt/mqtt-connector';
import { serialConnectorFactory } from './serial/factory';

export const CONNECTOR_FACTORIES: Readonly<Record<string, ConnectorFactory>> = {
  serial: serialConnectorFactory,
  mqtt: {
    schema: MqttConnectorConfigSchema,
    create: (config, sink, log) => createMqttConnector(config as MqttConnectorConfig, sink, log),
  },
  ble: {
    schema: BleConnectorConfigSchema,
    create: (config, sink, log) => createBleConnector(config as BleConnectorConfig, sink, log),
  },
};
