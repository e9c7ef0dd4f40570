/**
 * Every kind of connector a user can add, by name. Each validates its own config.
 */
import type { ConnectorFactory } from './connector-manager';

export const CONNECTOR_FACTORIES: Readonly<Record<string, ConnectorFactory>> = {};
