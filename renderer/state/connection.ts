/**
 * The engine connection as the UI sees it. `epoch` counts connections made: views that
 * hold data fetched over an earlier connection (chart history) refetch when it changes,
 * because whatever the engine sent while the link was down is gone.
 */
import { create } from 'zustand';
import type { ConnectionState, ConnectionStatus, RpcClient } from '../rpc/client';

export interface ConnectionStore {
  state: ConnectionState;
  error: string | null;
  epoch: number;
}

export const useConnection = create<ConnectionStore>(() => ({ state: 'connecting', error: null, epoch: 0 }));

export function bindConnection(client: Pick<RpcClient, 'getStatus' | 'onStatus'>): () => void {
  const apply = (status: ConnectionStatus) =>
    useConnection.setState((previous) => ({
      state: status.state,
      error: status.error,
      epoch:
        status.state === 'connected' && previous.state !== 'connected' ? previous.epoch + 1 : previous.epoch,
    }));
  apply(client.getStatus());
  return client.onStatus(apply);
}
