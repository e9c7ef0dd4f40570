/** The serial connector as the connector manager registers it (kind "serial"). */
import type { ConnectorFactory } from '../connector-manager';
import { createSerialConnector, SerialConnectorConfigSchema } from './serial-connector';

export const serialConnectorFactory: ConnectorFactory = {
  schema: SerialConnectorConfigSchema,
  create: (config, sink, log) => createSerialConnector(SerialConnectorConfigSchema.parse(config), sink, log),
};
