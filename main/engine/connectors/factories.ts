/**
 * Every kind of connector a user can add, by name. Each validates its own config.
 */
import { type BleConnectorConfig, BleConnectorConfigSchema, createBleConnector } from './ble/ble-connector';
import type { ConnectorFactory } from './connector-manager';

export const CONNECTOR_FACTORIES: Readonly<Record<string, ConnectorFactory>> = {
  ble: {
    schema: BleConnectorConfigSchema,
    create: (config, sink, log) => createBleConnector(config as BleConnectorConfig, sink, log),
  },
};
