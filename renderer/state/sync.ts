/**
 * The pattern the list stores share: fetch the whole list on every (re)connect, and keep
 * a change stream open in between. The stream is opened first so nothing that changes
 * while the list is in flight is missed; the list answer, computed after the request
 * arrived, is at least as new as any change that came before it.
 */
import type { RpcClient, RpcError } from '../rpc/client';

export interface ListSync<L, C> {
  client: Pick<RpcClient, 'getStatus' | 'onStatus'>;
  load(): Promise<L>;
  subscribe(onData: (data: C) => void, onError: (error: RpcError) => void): () => void;
  onList(list: L): void;
  onChange(change: C): void;
  onError(message: string): void;
}

export function startListSync<L, C>(sync: ListSync<L, C>): () => void {
  let stopped = false;
  const load = () => {
    sync.load().then(
      (list) => {
        if (!stopped) sync.onList(list);
      },
      (error: RpcError) => {
        // CLOSED: the next connection loads it again
        if (!stopped && error.code !== 'CLOSED') sync.onError(error.message);
      },
    );
  };
  const stopStream = sync.subscribe(
    (change) => sync.onChange(change),
    (error) => sync.onError(error.message),
  );
  const stopStatus = sync.client.onStatus((status) => {
    if (status.state === 'connected') load();
  });
  if (sync.client.getStatus().state === 'connected') load();
  return () => {
    stopped = true;
    stopStatus();
    stopStream();
  };
}
