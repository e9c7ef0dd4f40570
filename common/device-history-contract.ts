/**
 * Firmware version history of a device: every local flash and every rollout that changed,
 * or tried to change, what it runs. Split from contract.ts by domain.
 */
import { z } from 'zod';

const id = z.string().min(1).max(200);
const timestamp = z.number().int().min(0).max(8.64e15);

/** installed: the new image runs confirmed; reverted: MCUboot went back to the old one by itself; rolled_back: a rollout sent it back */
export const FIRMWARE_HISTORY_OUTCOMES = [
  'installed',
  'reverted',
  'failed',
  'timed_out',
  'rolled_back',
] as const;
export type FirmwareHistoryOutcome = (typeof FIRMWARE_HISTORY_OUTCOMES)[number];

export const FirmwareHistoryEntrySchema = z.object({
  seq: z.number().int().positive(),
  at: timestamp,
  source: z.enum(['flash', 'rollout']),
  /** the rollout campaign; null for a local flash */
  campaignId: z.string().nullable(),
  /** the campaign's name, while the campaign is kept */
  campaignName: z.string().nullable(),
  /** what the device ran before, when known */
  fromVersion: z.string().nullable(),
  toVersion: z.string(),
  sha256: z.string(),
  outcome: z.enum(FIRMWARE_HISTORY_OUTCOMES),
  reason: z.string().nullable(),
});
export type FirmwareHistoryEntry = z.infer<typeof FirmwareHistoryEntrySchema>;

export const deviceHistoryRequests = {
  /** newest first */
  'devices.firmwareHistory': {
    params: z.object({ deviceId: id, limit: z.number().int().min(1).max(1000).default(100) }).strict(),
    result: z.array(FirmwareHistoryEntrySchema),
  },
} as const;
