/**
 * The alarm marks of one device's charts: the rules that apply (its instances' rules, and
 * threshold rules naming it or its profile) and its journal. Every chart of a device asks;
 * one fetch per device and alarm state is shared between them, and a change of any of the
 * device's alarms (the alarms.changed stream) or a reconnect fetches again.
 */
import { useEffect, useState } from 'react';
import type { AlarmTransition, Rule } from '../../common/alarm-contract';
import { engine } from '../rpc/engine';
import { useConnection } from '../state/connection';
import { useDevices } from '../state/devices';
import { useAlarms } from './alarm-store';

export interface DeviceAlarmData {
  rules: Rule[];
  transitions: AlarmTransition[];
  error: string | null;
}

/** the newest episodes are what a chart shows; older ones fall outside any usual window */
const HISTORY_LIMIT = 2000;
const inflight = new Map<string, Promise<DeviceAlarmData>>();

async function load(deviceId: string, profile: string | undefined): Promise<DeviceAlarmData> {
  const client = engine();
  const [summaries, instances, transitions] = await Promise.all([
    client.request('alarms.rules.list'),
    client.request('alarms.list', { deviceId, includeNormal: true }),
    client.request('alarms.history', { deviceId, limit: HISTORY_LIMIT }),
  ]);
  const applied = new Set(instances.map((i) => i.ruleId));
  const rules = summaries
    .map((s) => s.rule)
    .filter(
      (r) =>
        applied.has(r.id) ||
        r.target.deviceIds?.includes(deviceId) ||
        (profile !== undefined && r.target.profile === profile && !r.target.deviceIds),
    );
  return { rules, transitions, error: null };
}

function shared(deviceId: string, profile: string | undefined, signature: string): Promise<DeviceAlarmData> {
  const key = `${deviceId}\n${signature}`;
  let promise = inflight.get(key);
  if (!promise) {
    promise = load(deviceId, profile);
    // remembered while the charts that asked are still mounting; later changes ask again
    promise.finally(() => setTimeout(() => inflight.delete(key), 1000));
    inflight.set(key, promise);
  }
  return promise;
}

/** changes exactly when one of the device's alarms changes state, severity or episode */
function useAlarmSignature(deviceId: string): string {
  return useAlarms((s) =>
    s.alarms
      .filter((a) => a.deviceId === deviceId)
      .map((a) => `${a.key}:${a.state}:${a.severity}:${a.episodeId}`)
      .join('|'),
  );
}

export function useDeviceAlarmData(deviceId: string): DeviceAlarmData {
  const signature = useAlarmSignature(deviceId);
  const epoch = useConnection((s) => s.epoch);
  const profile = useDevices((s) => s.devices.find((d) => d.id === deviceId)?.profile);
  const [data, setData] = useState<DeviceAlarmData>({ rules: [], transitions: [], error: null });
  useEffect(() => {
    let current = true;
    shared(deviceId, profile, `${signature}\n${epoch}`).then(
      (next) => current && setData(next),
      (error: Error) => current && setData((d) => ({ ...d, error: error.message })),
    );
    return () => {
      current = false;
    };
  }, [deviceId, profile, signature, epoch]);
  return data;
}
