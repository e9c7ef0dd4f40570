/**
 * Which devices a campaign takes and in which wave each falls. The order is a hash of the
 * campaign id and the device id: stable across restarts and registry edits, and spread so
 * the 1 % wave is not always the same unlucky device in every campaign.
 */
import { createHash } from 'node:crypto';
import type { CampaignConfig } from '../../../common/rollout-contract';

export interface RolloutCandidate {
  id: string;
  site: string | null;
  profile: string;
  tags: readonly string[];
  firmwareVersion: string | null;
}

export interface PlannedDevice {
  deviceId: string;
  position: number;
  wave: number;
  fromVersion: string | null;
}

export function matchesFilter(device: RolloutCandidate, filter: CampaignConfig['filter']): boolean {
  if (filter.site !== undefined && filter.site !== '' && (device.site ?? '') !== filter.site) return false;
  if (filter.profile !== undefined && filter.profile !== '' && device.profile !== filter.profile)
    return false;
  if (filter.tag !== undefined && filter.tag !== '' && !device.tags.includes(filter.tag)) return false;
  if (
    filter.currentVersion !== undefined &&
    filter.currentVersion !== '' &&
    device.firmwareVersion !== filter.currentVersion
  )
    return false;
  return true;
}

/** End index (exclusive) of each wave: ceil, so a 1 % wave of a small fleet still has a device. */
export function waveCuts(total: number, waves: readonly number[]): number[] {
  return waves.map((pct) => Math.max(0, Math.min(total, Math.ceil((pct * total) / 100 - 1e-9))));
}

export function orderKey(campaignId: string, deviceId: string): string {
  return createHash('sha256').update(`${campaignId}\n${deviceId}`).digest('hex');
}

export function planWaves(
  campaignId: string,
  config: Pick<CampaignConfig, 'filter' | 'waves'>,
  candidates: Iterable<RolloutCandidate>,
): PlannedDevice[] {
  const picked: { device: RolloutCandidate; key: string }[] = [];
  for (const device of candidates) {
    if (matchesFilter(device, config.filter)) picked.push({ device, key: orderKey(campaignId, device.id) });
  }
  picked.sort((a, b) =>
    a.key < b.key
      ? -1
      : a.key > b.key
        ? 1
        : a.device.id < b.device.id
          ? -1
          : a.device.id > b.device.id
            ? 1
            : 0,
  );
  const cuts = waveCuts(picked.length, config.waves);
  let wave = 0;
  return picked.map(({ device }, position) => {
    while ((cuts[wave] ?? picked.length) <= position) wave++;
    return { deviceId: device.id, position, wave, fromVersion: device.firmwareVersion };
  });
}
