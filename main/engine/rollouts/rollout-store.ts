/**
 * Campaigns and their devices in SQLite. Every state change is written with a journal row
 * in the same transaction: after a crash the tables say exactly where each device was, and
 * the journal says how it got there.
 */
import type { CampaignConfig, CampaignState, RolloutDeviceState } from '../../../common/rollout-contract';
import type { Db } from '../store/database';

export type RollbackState = 'pending' | 'started' | 'done' | 'failed';

export interface CampaignRow {
  id: string;
  config: CampaignConfig;
  state: CampaignState;
  /** the last wave started; -1 before the first */
  currentWave: number;
  reason: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface DeviceRow {
  campaignId: string;
  deviceId: string;
  position: number;
  wave: number;
  fromVersion: string | null;
  state: RolloutDeviceState;
  reason: string | null;
  notifiedAt: number | null;
  confirmedAt: number | null;
  rollback: RollbackState | null;
  /** bumped on every accepted change of the device's job, like AWS IoT Jobs' versionNumber */
  execVersion: number;
  updatedAt: number;
}

export interface JournalEntry {
  campaignId: string;
  deviceId: string | null;
  from: string | null;
  to: string;
  detail?: string | null;
}

interface CampaignSql {
  id: string;
  config: string;
  state: CampaignState;
  current_wave: number;
  reason: string | null;
  created_at: number;
  updated_at: number;
}

interface DeviceSql {
  campaign_id: string;
  device_id: string;
  position: number;
  wave: number;
  from_version: string | null;
  state: RolloutDeviceState;
  reason: string | null;
  notified_at: number | null;
  confirmed_at: number | null;
  rollback: RollbackState | null;
  exec_version: number;
  updated_at: number;
}

function campaignParams(c: CampaignRow) {
  return {
    id: c.id,
    config: JSON.stringify(c.config),
    state: c.state,
    currentWave: c.currentWave,
    reason: c.reason,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

function deviceParams(d: DeviceRow) {
  return { ...d };
}

export class RolloutStore {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      campaigns: db.prepare('SELECT * FROM rollout_campaigns ORDER BY created_at, id'),
      devices: db.prepare('SELECT * FROM rollout_devices WHERE campaign_id = ? ORDER BY position'),
      insertCampaign: db.prepare(`INSERT INTO rollout_campaigns
        (id, config, state, current_wave, reason, created_at, updated_at)
        VALUES (@id, @config, @state, @currentWave, @reason, @createdAt, @updatedAt)`),
      updateCampaign: db.prepare(`UPDATE rollout_campaigns SET state = @state, current_wave = @currentWave,
        reason = @reason, updated_at = @updatedAt WHERE id = @id`),
      insertDevice: db.prepare(`INSERT INTO rollout_devices
        (campaign_id, device_id, position, wave, from_version, state, reason, notified_at, confirmed_at,
         rollback, exec_version, updated_at)
        VALUES (@campaignId, @deviceId, @position, @wave, @fromVersion, @state, @reason, @notifiedAt,
         @confirmedAt, @rollback, @execVersion, @updatedAt)`),
      updateDevice: db.prepare(`UPDATE rollout_devices SET state = @state, reason = @reason,
        notified_at = @notifiedAt, confirmed_at = @confirmedAt, rollback = @rollback,
        exec_version = @execVersion, updated_at = @updatedAt
        WHERE campaign_id = @campaignId AND device_id = @deviceId`),
      journal:
        db.prepare(`INSERT INTO rollout_journal (campaign_id, device_id, at, from_state, to_state, detail)
        VALUES (?, ?, ?, ?, ?, ?)`),
      journalOf: db.prepare('SELECT * FROM rollout_journal WHERE campaign_id = ? ORDER BY seq'),
    };
  }

  /** Runs `fn` in one transaction (a savepoint inside an open one). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  loadCampaigns(): CampaignRow[] {
    return (this.s.campaigns.all() as CampaignSql[]).map((r) => ({
      id: r.id,
      config: JSON.parse(r.config) as CampaignConfig,
      state: r.state,
      currentWave: r.current_wave,
      reason: r.reason,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  }

  loadDevices(campaignId: string): DeviceRow[] {
    return (this.s.devices.all(campaignId) as DeviceSql[]).map((r) => ({
      campaignId: r.campaign_id,
      deviceId: r.device_id,
      position: r.position,
      wave: r.wave,
      fromVersion: r.from_version,
      state: r.state,
      reason: r.reason,
      notifiedAt: r.notified_at,
      confirmedAt: r.confirmed_at,
      rollback: r.rollback,
      execVersion: r.exec_version,
      updatedAt: r.updated_at,
    }));
  }

  insertCampaign(campaign: CampaignRow, devices: readonly DeviceRow[]): void {
    this.transaction(() => {
      this.s.insertCampaign.run(campaignParams(campaign));
      for (const d of devices) this.s.insertDevice.run(deviceParams(d));
      this.s.journal.run(
        campaign.id,
        null,
        campaign.createdAt,
        null,
        campaign.state,
        `${devices.length} devices`,
      );
    });
  }

  saveCampaign(campaign: CampaignRow, journal: JournalEntry): void {
    this.transaction(() => {
      this.s.updateCampaign.run(campaignParams(campaign));
      this.writeJournal(journal, campaign.updatedAt);
    });
  }

  /** the row and its journal entry in one commit (a savepoint inside a caller's transaction) */
  saveDevice(device: DeviceRow, journal: JournalEntry | null): void {
    this.saveDeviceTx(device, journal);
  }

  private saveDeviceTx(device: DeviceRow, journal: JournalEntry | null): void {
    this.transaction(() => {
      this.s.updateDevice.run(deviceParams(device));
      if (journal) this.writeJournal(journal, device.updatedAt);
    });
  }

  journal(
    campaignId: string,
  ): { deviceId: string | null; from: string | null; to: string; detail: string | null }[] {
    return (
      this.s.journalOf.all(campaignId) as {
        device_id: string | null;
        from_state: string | null;
        to_state: string;
        detail: string | null;
      }[]
    ).map((r) => ({ deviceId: r.device_id, from: r.from_state, to: r.to_state, detail: r.detail }));
  }

  private writeJournal(j: JournalEntry, at: number): void {
    this.s.journal.run(j.campaignId, j.deviceId, at, j.from, j.to, j.detail ?? null);
  }
}
