/**
 * The local cache and the ingest path as the UI last heard of them: store.status (is the
 * cache usable, how big, how old) and engine.stats (readings spilled, write errors).
 * Polled every 10 s app-wide for the banner and the nav warning; the storage panel polls
 * faster while it is open.
 */
import { create } from 'zustand';
import type { IngestStats, StoreStatus } from '../../common/contract';
import type { RpcClient } from '../rpc/client';
import { startPolling } from './poller';

export interface StoreHealth {
  status: StoreStatus | null;
  stats: IngestStats | null;
  /** why the last store.status failed; null once one succeeded */
  statusError: string | null;
  statsError: string | null;
}

export const useStoreHealth = create<StoreHealth>(() => ({
  status: null,
  stats: null,
  statusError: null,
  statsError: null,
}));

export const APP_POLL_MS = 10_000;
export const PANEL_POLL_MS = 2_000;

export function startStoreHealthPolling(
  client: Pick<RpcClient, 'getStatus' | 'onStatus' | 'request'>,
  intervalMs: number,
): () => void {
  const stopStatus = startPolling({
    client,
    intervalMs,
    ask: () => client.request('store.status'),
    onResult: (status) => useStoreHealth.setState({ status, statusError: null }),
    onError: (error) => useStoreHealth.setState({ statusError: error.message }),
  });
  const stopStats = startPolling({
    client,
    intervalMs,
    ask: () => client.request('engine.stats'),
    onResult: (stats) => useStoreHealth.setState({ stats, statsError: null }),
    onError: (error) => useStoreHealth.setState({ statsError: error.message }),
  });
  return () => {
    stopStatus();
    stopStats();
  };
}

/** Applies a store.configure answer at once, without waiting for the next poll. */
export function applyStoreStatus(status: StoreStatus): void {
  useStoreHealth.setState({ status, statusError: null });
}
