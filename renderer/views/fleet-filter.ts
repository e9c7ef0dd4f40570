/** Which devices the fleet table shows for the text in its filter box. */
import type { DeviceSummary } from '../../common/contract';

/** Every word must appear in the name, kind, id or transport (case-insensitive). */
export function filterDevices(devices: readonly DeviceSummary[], query: string): DeviceSummary[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return devices as DeviceSummary[];
  return devices.filter((device) => {
    const haystack = `${device.name}\n${device.kind}\n${device.id}\n${device.transport}`.toLowerCase();
    return words.every((word) => haystack.includes(word));
  });
}
