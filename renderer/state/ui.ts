/** View state worth keeping across navigation: coming back to the fleet keeps the filter. */
import { create } from 'zustand';

export interface UiStore {
  fleetFilter: string;
  /** chart window on device pages, ms */
  chartWindowMs: number;
  /** the device page the nav bar's Device link returns to */
  lastDeviceId: string | null;
}

export const CHART_WINDOWS_MS = [60_000, 300_000, 3_600_000] as const;

export const useUi = create<UiStore>(() => ({ fleetFilter: '', chartWindowMs: 300_000, lastDeviceId: null }));
