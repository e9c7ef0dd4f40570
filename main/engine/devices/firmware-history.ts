/**
 * Each device's firmware history: local flashes and rollout outcomes written to SQLite,
 * and the registry's firmware version moved to what the device was last seen running.
 * The flash and rollout services only announce results; this turns them into history, so
 * neither service needs to know about the registry.
 */
import type { FirmwareHistoryEntry, FirmwareHistoryOutcome } from '../../../common/device-history-contract';
import type { FlashJob } from '../../../common/flash-contract';
import type { RolloutDeviceState } from '../../../common/rollout-contract';
import type { Logger } from '../log';
import type { Db } from '../store/database';

export interface FirmwareVersions {
  /** what the registry believes the device runs; undefined for a device not in the registry */
  versionOf(deviceId: string): string | null | undefined;
  setVersion(deviceId: string, version: string): void;
}

type NewEntry = Omit<FirmwareHistoryEntry, 'seq' | 'campaignName'> & { deviceId: string };

interface Row {
  seq: number;
  at: number;
  source: 'flash' | 'rollout';
  campaign_id: string | null;
  campaign_name: string | null;
  from_version: string | null;
  to_version: string;
  sha256: string;
  outcome: FirmwareHistoryOutcome;
  reason: string | null;
}

const ROLLOUT_OUTCOMES: Partial<Record<RolloutDeviceState, FirmwareHistoryOutcome>> = {
  succeeded: 'installed',
  failed: 'failed',
  timed_out: 'timed_out',
  rolled_back: 'rolled_back',
};

export interface RolloutFinished {
  campaignId: string;
  deviceId: string;
  state: RolloutDeviceState;
  reason: string | null;
  fromVersion: string | null;
  runningVersion: string | null;
  firmware: { sha256: string; version: string };
}

export class FirmwareHistory {
  private readonly statements;
  /** flash jobs already written: the service may announce a finished job more than once */
  private readonly flashJobsSeen = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly versions: FirmwareVersions,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.statements = {
      insert: db.prepare(
        `INSERT INTO device_firmware_history
           (device_id, at, source, campaign_id, from_version, to_version, sha256, outcome, reason)
         VALUES (@deviceId, @at, @source, @campaignId, @fromVersion, @toVersion, @sha256, @outcome, @reason)`,
      ),
      list: db.prepare<[string, number], Row>(
        `SELECT h.seq, h.at, h.source, h.campaign_id, json_extract(c.config, '$.name') AS campaign_name,
           h.from_version, h.to_version, h.sha256, h.outcome, h.reason
         FROM device_firmware_history h LEFT JOIN rollout_campaigns c ON c.id = h.campaign_id
         WHERE h.device_id = ? ORDER BY h.seq DESC LIMIT ?`,
      ),
    };
  }

  list(deviceId: string, limit = 100): FirmwareHistoryEntry[] {
    return this.statements.list.all(deviceId, limit).map((r) => ({
      seq: r.seq,
      at: r.at,
      source: r.source,
      campaignId: r.campaign_id,
      campaignName: r.campaign_name,
      fromVersion: r.from_version,
      toVersion: r.to_version,
      sha256: r.sha256,
      outcome: r.outcome,
      reason: r.reason,
    }));
  }

  /**
   * A finished flash job of a registry device. Installed or reverted, the device said what
   * it runs at the end; the version before is what it ran when a revert brought it back,
   * else what the registry knew.
   */
  flashFinished(job: FlashJob): void {
    const result = job.result;
    if (job.state !== 'finished' || !result || !job.deviceId || this.flashJobsSeen.has(job.id)) return;
    this.flashJobsSeen.add(job.id);
    const outcome = result.outcome;
    if (outcome !== 'installed' && outcome !== 'reverted' && outcome !== 'failed') {
      if (outcome === 'already-installed') this.runs(job.deviceId, job.version);
      return;
    }
    const known = this.versions.versionOf(job.deviceId);
    this.write(
      {
        deviceId: job.deviceId,
        at: job.endedAt ?? this.now(),
        source: 'flash',
        campaignId: null,
        fromVersion: outcome === 'installed' ? (known ?? null) : (result.runningVersion ?? known ?? null),
        toVersion: job.version,
        sha256: job.sha256,
        outcome,
        reason: outcome === 'installed' ? null : result.message,
      },
      outcome === 'installed' ? job.version : result.runningVersion,
    );
  }

  /**
   * A device's rollout job ended; rejected, incompatible and already installed changed nothing.
   * Called inside the rollout's transaction: a failed write throws, so the device's state
   * change is rolled back with it rather than committed without its history row.
   */
  rolloutFinished(event: RolloutFinished): void {
    const outcome = ROLLOUT_OUTCOMES[event.state];
    if (!outcome) {
      if (event.state === 'already_installed') this.runs(event.deviceId, event.firmware.version);
      return;
    }
    const running =
      outcome === 'rolled_back' ? (event.runningVersion ?? event.fromVersion) : event.runningVersion;
    this.write(
      {
        deviceId: event.deviceId,
        at: this.now(),
        source: 'rollout',
        campaignId: event.campaignId,
        fromVersion: event.fromVersion,
        toVersion: event.firmware.version,
        sha256: event.firmware.sha256,
        outcome,
        reason: event.reason,
      },
      running,
      true,
    );
  }

  /** A failed write is logged, never thrown into the flash service; `rethrow` for a caller's transaction. */
  private write(entry: NewEntry, runs: string | null, rethrow = false): void {
    try {
      this.db.transaction(() => {
        this.statements.insert.run(entry);
        if (runs) this.runs(entry.deviceId, runs);
      })();
    } catch (error) {
      this.log.error('cannot save the firmware history', {
        deviceId: entry.deviceId,
        error: (error as Error).message,
      });
      if (rethrow) throw error;
    }
  }

  private runs(deviceId: string, version: string): void {
    const known = this.versions.versionOf(deviceId);
    if (known !== undefined && known !== version) this.versions.setVersion(deviceId, version);
  }
}
