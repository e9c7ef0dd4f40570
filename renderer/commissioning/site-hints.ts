/**
 * What the engine can tell the wizard before the technician types anything: the device
 * profiles it knows (profiles.list) and, on the demo site, the demo plant (its Bluetooth
 * connector, Wi-Fi networks and broker URL, from engine.info). Asked when a step needs
 * them; the demo broker's URL is asked again while it starts.
 */
import { useEffect, useState } from 'react';
import type { EngineInfo, RequestResult } from '../../common/contract';
import { engine } from '../rpc/engine';
import { usePoll } from '../tools/use-poll';

export type DemoPlantHints = NonNullable<EngineInfo['demoPlant']>;
export type ProfileSummary = RequestResult<'profiles.list'>[number];

/**
 * engine.info is asked again while the demo broker starts: it listens ~60 ms after the
 * engine, but creating the project CA on a first start on a busy machine takes longer.
 * Backing off from 300 ms to 5 s, about a minute in all.
 */
const DEMO_RETRIES = 15;
const retryDelay = (attempt: number) => Math.min(300 * 2 ** attempt, 5000);

/**
 * The demo plant, or null outside demo mode (and until engine.info answered). While the
 * demo broker is starting (no URL, no error) engine.info is asked again, a bounded number
 * of times.
 */
export function useDemoPlant(): DemoPlantHints | null {
  const [plant, setPlant] = useState<DemoPlantHints | null>(null);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ask = (attempt: number) => {
      engine()
        .request('engine.info')
        .then(
          (info) => {
            if (stopped) return;
            const demo = info.demoPlant ?? null;
            setPlant(demo);
            if (demo && demo.brokerUrl === null && demo.error === null && attempt < DEMO_RETRIES)
              timer = setTimeout(() => ask(attempt + 1), retryDelay(attempt));
          },
          () => {
            // no hints is not an error for the wizard: everything can be typed
            if (!stopped && attempt < DEMO_RETRIES)
              timer = setTimeout(() => ask(attempt + 1), retryDelay(attempt));
          },
        );
    };
    ask(0);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);
  return plant;
}

/** The engine's device profiles (it sorts them by name); null until it answered, with the error if it did not. */
export function useProfiles(): { profiles: ProfileSummary[] | null; error: string | null } {
  // profiles change only when files are added to the engine's folder: a slow poll is plenty
  const polled = usePoll(() => engine().request('profiles.list'), 30_000, 'wizard-profiles');
  return { profiles: polled.data, error: polled.error };
}

/**
 * The BLE connectors that answer ble.peripherals, by id. A connector of kind 'ble' that
 * refuses (the demo site's older in-process radio says it is not a BLE connector) cannot
 * reach a device to commission, so the wizard does not offer it. null until asked.
 */
export function useReachableBleConnectors(ids: string[]): Set<string> | null {
  const key = ids.join('\u0000');
  const polled = usePoll(
    async () => {
      const answers = await Promise.all(
        ids.map((connectorId) =>
          engine()
            .request('ble.peripherals', { connectorId })
            .then(
              () => connectorId,
              () => null,
            ),
        ),
      );
      return new Set(answers.filter((id): id is string => id !== null));
    },
    5000,
    `wizard-ble-reachable-${key}`,
    ids.length > 0,
  );
  return ids.length === 0 ? new Set() : polled.data;
}
