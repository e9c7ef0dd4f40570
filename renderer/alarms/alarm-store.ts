/**
 * Every alarm instance not in `normal`, kept current by alarms.changed (which sends the
 * instances whose state changed; its first message is every non-normal one). The banner
 * and the list read it; nothing polls.
 */
import { create } from 'zustand';
import type { AlarmInstance } from '../../common/alarm-contract';
import type { RpcClient } from '../rpc/client';
import { startListSync } from '../state/sync';
import { mergeAlarms, sortAlarms } from './alarm-order';

export interface AlarmsStore {
  /** in list order: unacknowledged, then severity, then newest */
  alarms: AlarmInstance[];
  loaded: boolean;
  error: string | null;
}

export const useAlarms = create<AlarmsStore>(() => ({ alarms: [], loaded: false, error: null }));

function setList(alarms: readonly AlarmInstance[]): void {
  useAlarms.setState({
    alarms: sortAlarms(alarms.filter((a) => a.state !== 'normal')),
    loaded: true,
    error: null,
  });
}

/** the list again, after a failed load (the stream stays open meanwhile) */
export function reloadAlarms(client: Pick<RpcClient, 'request'>): void {
  client.request('alarms.list').then(setList, (error: Error) => useAlarms.setState({ error: error.message }));
}

export function startAlarmSync(client: RpcClient): () => void {
  return startListSync<AlarmInstance[], AlarmInstance[]>({
    client,
    load: () => client.request('alarms.list'),
    subscribe: (onData, onError) => client.subscribe('alarms.changed', undefined, onData, { onError }),
    onList: setList,
    onChange: (changed) => useAlarms.setState((s) => ({ alarms: mergeAlarms(s.alarms, changed) })),
    onError: (error) => useAlarms.setState({ error }),
  });
}
