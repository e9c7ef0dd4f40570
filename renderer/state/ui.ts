/** View state worth keeping across navigation: coming back to the fleet keeps the filter. */
import { create } from 'zustand';

export interface UiStore {
  fleetFilter: string;
  /** the device page the nav bar's Device link returns to */
  lastDeviceId: string | null;
}

export const useUi = create<UiStore>(() => ({ fleetFilter: '', lastDeviceId: null }));
