/** How a firmware history entry reads on the device page and in the registry. */
import type { FirmwareHistoryEntry, FirmwareHistoryOutcome } from '../../common/device-history-contract';

export const OUTCOME_TEXT: Record<FirmwareHistoryOutcome, string> = {
  installed: 'installed',
  reverted: 'reverted by the device',
  failed: 'failed',
  timed_out: 'timed out',
  rolled_back: 'rolled back',
};

/** the badge colours the rest of the app uses for good, doubtful and bad states */
export const OUTCOME_CLASS: Record<FirmwareHistoryOutcome, string> = {
  installed: 'badge state-online',
  reverted: 'badge state-stale',
  rolled_back: 'badge state-stale',
  failed: 'badge state-error',
  timed_out: 'badge state-error',
};

export function changeText(entry: Pick<FirmwareHistoryEntry, 'fromVersion' | 'toVersion'>): string {
  return `${entry.fromVersion ?? 'unknown'} → ${entry.toVersion}`;
}

export function sourceText(
  entry: Pick<FirmwareHistoryEntry, 'source' | 'campaignId' | 'campaignName'>,
): string {
  if (entry.source === 'flash') return 'flashed over USB';
  return entry.campaignName ? `rollout “${entry.campaignName}”` : `rollout ${entry.campaignId ?? ''}`.trim();
}
