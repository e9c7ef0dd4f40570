/**
 * The profiles shipped in resources/profiles, loaded once on first use, for code that is
 * not handed the engine's profile map (a BLE connector created without one). A folder that
 * cannot be found or read gives no profiles and one warning, never a failed connector.
 */
import path from 'node:path';
import type { Logger } from '../log';
import { findResourcesDir } from '../resources';
import { loadProfiles } from './load-profiles';
import type { DeviceProfile } from './profile';

let shipped: Map<string, DeviceProfile> | undefined;

export function shippedProfile(id: string, log?: Logger): DeviceProfile | undefined {
  if (!shipped) {
    try {
      shipped = loadProfiles(path.join(findResourcesDir(__dirname), 'profiles'));
    } catch (e) {
      shipped = new Map();
      log?.warn('shipped device profiles unavailable', { error: (e as Error).message });
    }
  }
  return shipped.get(id);
}
