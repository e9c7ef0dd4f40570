/**
 * Every sink's status, live from sync.changed (the engine sends the whole list once a
 * second while anyone listens), and the parked batches, fetched again whenever a sink's
 * parked count moves. Started by the Sync view while it is open.
 */
import { create } from 'zustand';
import type { ParkedBatch, SinkStatus } from '../../common/sync-contract';
import type { RpcClient } from '../rpc/client';
import { startListSync } from '../state/sync';
import { errorMessage } from '../tools/use-poll';

export interface SyncStore {
  sinks: SinkStatus[];
  loaded: boolean;
  error: string | null;
  parked: ParkedBatch[];
  parkedError: string | null;
}

export const useSyncStore = create<SyncStore>(() => ({
  sinks: [],
  loaded: false,
  error: null,
  parked: [],
  parkedError: null,
}));

/** "sink-1:2,sink-2:0": changes exactly when some sink parks or unparks a batch. */
const parkedKey = (sinks: readonly SinkStatus[]) => sinks.map((s) => `${s.id}:${s.parked}`).join(',');

export function startSinkSync(client: RpcClient): () => void {
  let stopped = false;
  let lastKey: string | null = null;
  let generation = 0;

  const loadParked = () => {
    const mine = ++generation;
    client.request('sync.parked').then(
      (parked) => {
        // an older answer arriving after a newer one must not win
        if (!stopped && mine === generation) useSyncStore.setState({ parked, parkedError: null });
      },
      (error: unknown) => {
        if (!stopped && mine === generation) useSyncStore.setState({ parkedError: errorMessage(error) });
      },
    );
  };

  const apply = (sinks: SinkStatus[]) => {
    useSyncStore.setState({ sinks, loaded: true, error: null });
    const key = parkedKey(sinks);
    if (key !== lastKey) {
      lastKey = key;
      loadParked();
    }
  };

  const stop = startListSync<SinkStatus[], SinkStatus[]>({
    client,
    load: () => client.request('sync.sinks'),
    subscribe: (onData, onError) => client.subscribe('sync.changed', undefined, onData, { onError }),
    onList: apply,
    onChange: apply,
    onError: (error) => useSyncStore.setState({ error }),
  });
  return () => {
    stopped = true;
    stop();
  };
}

/** After a retry or discard: the list right away, not at the next count change. */
export function refreshParked(client: RpcClient): void {
  client.request('sync.parked').then(
    (parked) => useSyncStore.setState({ parked, parkedError: null }),
    (error: unknown) => useSyncStore.setState({ parkedError: errorMessage(error) }),
  );
}

/** A sink just added, changed or removed shows before the next second's status. */
export function applySinkStatus(status: SinkStatus): void {
  const { sinks } = useSyncStore.getState();
  const i = sinks.findIndex((s) => s.id === status.id);
  useSyncStore.setState({
    sinks: i === -1 ? [...sinks, status] : sinks.map((s, j) => (j === i ? status : s)),
  });
}

export function dropSink(id: string): void {
  useSyncStore.setState((s) => ({
    sinks: s.sinks.filter((x) => x.id !== id),
    parked: s.parked.filter((p) => p.sinkId !== id),
  }));
}
