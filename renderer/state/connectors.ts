/** The connectors (serial ports, BLE radio, MQTT brokers); connectors.changed sends the full list. */
import { create } from 'zustand';
import type { ConnectorStatus } from '../../common/contract';
import type { RpcClient } from '../rpc/client';
import { startListSync } from './sync';

export interface ConnectorsStore {
  connectors: ConnectorStatus[];
  loaded: boolean;
  error: string | null;
}

export const useConnectors = create<ConnectorsStore>(() => ({ connectors: [], loaded: false, error: null }));

export function startConnectorSync(client: RpcClient): () => void {
  const apply = (connectors: ConnectorStatus[]) =>
    useConnectors.setState({ connectors, loaded: true, error: null });
  return startListSync<ConnectorStatus[], ConnectorStatus[]>({
    client,
    load: () => client.request('connectors.list'),
    subscribe: (onData, onError) => client.subscribe('connectors.changed', undefined, onData, { onError }),
    onList: apply,
    onChange: apply,
    onError: (error) => useConnectors.setState({ error }),
  });
}
