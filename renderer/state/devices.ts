/**
 * Every device the engine knows, kept current by devices.changed (which sends only the
 * summaries that changed, so they are merged by id).
 */
import { create } from 'zustand';
import type { DeviceSummary } from '../../common/contract';
import type { RpcClient } from '../rpc/client';
import { startListSync } from './sync';

export interface DevicesStore {
  /** sorted by name, naturally ("pump 2" before "pump 10") */
  devices: DeviceSummary[];
  loaded: boolean;
  error: string | null;
}

export const useDevices = create<DevicesStore>(() => ({ devices: [], loaded: false, error: null }));

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

export function sortDevices(devices: DeviceSummary[]): DeviceSummary[] {
  return devices.sort((a, b) => collator.compare(a.name, b.name) || collator.compare(a.id, b.id));
}

/** Replaces changed devices by id and adds new ones; unchanged objects keep their identity. */
export function mergeDevices(
  current: readonly DeviceSummary[],
  changed: readonly DeviceSummary[],
): DeviceSummary[] {
  if (changed.length === 0) return current as DeviceSummary[];
  const byId = new Map(current.map((d) => [d.id, d]));
  for (const device of changed) byId.set(device.id, device);
  return sortDevices([...byId.values()]);
}

export function startDeviceSync(client: RpcClient): () => void {
  // a removed device leaves every open list, not only the one of the client that removed it
  const stopRemovals = client.subscribe('devices.removed', undefined, ({ deviceIds }) => {
    const gone = new Set(deviceIds);
    useDevices.setState((s) => ({ devices: s.devices.filter((d) => !gone.has(d.id)) }));
  });
  const stopList = startListSync<DeviceSummary[], DeviceSummary[]>({
    client,
    load: () => client.request('devices.list'),
    subscribe: (onData, onError) => client.subscribe('devices.changed', undefined, onData, { onError }),
    onList: (devices) =>
      useDevices.setState({ devices: sortDevices([...devices]), loaded: true, error: null }),
    onChange: (changed) => useDevices.setState((s) => ({ devices: mergeDevices(s.devices, changed) })),
    onError: (error) => useDevices.setState({ error }),
  });
  return () => {
    stopRemovals();
    stopList();
  };
}
