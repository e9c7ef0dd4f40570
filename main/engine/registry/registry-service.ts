/**
 * The device registry as people use it: identity, lifecycle, site, tags, desired vs
 * reported configuration, health and credential, searchable across a fleet of thousands.
 * Every change a person or the commissioning wizard makes goes through here and into the
 * audit log in the same transaction, so the registry and its history never disagree.
 */
import type { DeviceSummary } from '../../../common/contract';
import { RpcError } from '../../../common/protocol';
import type { Reading } from '../../../common/reading';
import type { Lifecycle, RegistryDevice, RegistryQuery } from '../../../common/registry-contract';
import { LIFECYCLE_TRANSITIONS, RegistryQuerySchema } from '../../../common/registry-contract';
import type { AuditLog } from '../audit/audit-log';
import type { DeviceRegistry } from '../devices/device-registry';
import type { Db } from '../store/database';
import { configDiff } from './config-diff';
import { emptyRecord, type RegistryRecord, RegistryRecords } from './registry-records';

/** Which lifecycle moves a person may make: one table, in the contract, for the UI and the engine. */
const LIFECYCLE_MOVES = LIFECYCLE_TRANSITIONS;

/** Metrics a device reports about itself rather than the process: they make its heartbeat and health. */
export const HEARTBEAT_METRIC = 'uptime';
const HEALTH_METRICS = new Set([HEARTBEAT_METRIC, 'rssi', 'battery', 'errors']);

export interface RegistryUpdate {
  name?: string;
  site?: string | null;
  profile?: string;
  tags?: string[];
  desiredConfig?: Record<string, unknown>;
}

export interface CommissionFields {
  name: string;
  profile: string;
  site: string | null;
  tags: string[];
  serialNumber: string | null;
  hardwareVersion: string | null;
  firmwareVersion: string | null;
  desiredConfig: Record<string, unknown>;
  reportedConfig: Record<string, unknown>;
  credential: RegistryRecord['credential'];
}

type SortKey = (id: string) => string | number;

export class RegistryService {
  private readonly records: Map<string, RegistryRecord>;
  private readonly sql: RegistryRecords;
  private readonly healthDirty = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly devices: DeviceRegistry,
    private readonly audit: AuditLog,
    private readonly actor: () => string,
    /** throws the "unknown profile" refusal (listing the known ones) for a name nobody defined */
    private readonly requireProfile: (profile: string) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.sql = new RegistryRecords(db);
    this.records = this.sql.loadAll();
    devices.onDiscovered = (id) => this.discovered(id);
    for (const [id, r] of this.records)
      if (r.lifecycle !== 'discovered' || r.updatedAt !== null) devices.pin(id);
  }

  get(id: string): RegistryDevice | undefined {
    const summary = this.devices.get(id);
    return summary && this.view(summary, this.record(id));
  }

  /** Site and tags alone, without building the device's view: alarm targeting asks per device. */
  placement(id: string): { site: string; tags: readonly string[] } {
    const r = this.records.get(id);
    return { site: r?.site ?? '', tags: r?.tags ?? [] };
  }

  require(id: string): RegistryDevice {
    const device = this.get(id);
    if (!device) throw new RpcError('NOT_FOUND', `no device "${id}"`);
    return device;
  }

  list(raw: RegistryQuery): { total: number; devices: RegistryDevice[] } {
    const q = RegistryQuerySchema.parse(raw);
    const needle = q.search?.trim().toLowerCase() ?? '';
    const matches: string[] = [];
    for (const id of this.devices.ids()) {
      const r = this.record(id);
      if (q.lifecycle && r.lifecycle !== q.lifecycle) continue;
      if (q.site !== undefined && (r.site ?? '') !== q.site) continue;
      if (q.tag && !r.tags.includes(q.tag)) continue;
      if (needle) {
        const name = this.devices.brief(id)?.descriptor.name ?? '';
        const hay =
          `${id}\n${name}\n${r.serialNumber ?? ''}\n${r.site ?? ''}\n${r.tags.join('\n')}`.toLowerCase();
        if (!hay.includes(needle)) continue;
      }
      matches.push(id);
    }
    const key = this.sortKey(q.sort);
    // keys computed once: a comparator that recomputes them costs 10x on 10,000 devices
    const keyed = matches.map((id) => ({ id, k: key(id) }));
    const dir = q.descending ? -1 : 1;
    keyed.sort((a, b) => (a.k < b.k ? -dir : a.k > b.k ? dir : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const page = keyed.slice(q.offset, q.offset + q.limit);
    return {
      total: matches.length,
      devices: page.flatMap(({ id }) => {
        const d = this.get(id);
        return d ? [d] : [];
      }),
    };
  }

  facets(): { sites: string[]; tags: string[] } {
    const sites = new Set<string>();
    const tags = new Set<string>();
    for (const r of this.records.values()) {
      if (r.site) sites.add(r.site);
      for (const t of r.tags) tags.add(t);
    }
    return { sites: [...sites].sort(), tags: [...tags].sort() };
  }

  update(id: string, change: RegistryUpdate, actor = this.actor()): RegistryDevice {
    const before = this.require(id);
    if (change.profile !== undefined && change.profile !== '') this.requireProfile(change.profile);
    const record = { ...this.record(id) };
    if (change.site !== undefined) record.site = change.site === '' ? null : change.site;
    if (change.tags !== undefined) record.tags = [...new Set(change.tags)].sort();
    if (change.desiredConfig !== undefined) record.desiredConfig = change.desiredConfig;
    record.updatedAt = this.now();
    this.db.transaction(() => {
      this.devices.pin(id, {
        ...(change.name !== undefined ? { name: change.name } : {}),
        ...(change.profile !== undefined ? { profile: change.profile } : {}),
      });
      this.save(id, record);
      const after = this.require(id);
      this.audit.append({
        actor,
        action: 'device.updated',
        subject: id,
        ...changedFields(before, after),
      });
    })();
    return this.require(id);
  }

  setLifecycle(id: string, lifecycle: Lifecycle, reason?: string, actor = this.actor()): RegistryDevice {
    const record = { ...this.record(id) };
    this.require(id);
    if (record.lifecycle === lifecycle) return this.require(id);
    if (!LIFECYCLE_MOVES[record.lifecycle].includes(lifecycle)) {
      throw new RpcError(
        'INVALID_PARAMS',
        `a ${record.lifecycle} device cannot become ${lifecycle} (allowed: ${LIFECYCLE_MOVES[record.lifecycle].join(', ')})`,
      );
    }
    const from = record.lifecycle;
    record.lifecycle = lifecycle;
    record.updatedAt = this.now();
    this.db.transaction(() => {
      this.devices.pin(id);
      this.save(id, record);
      this.audit.append({
        actor,
        action: 'device.lifecycle',
        subject: id,
        before: { lifecycle: from },
        after: { lifecycle, ...(reason ? { reason } : {}) },
      });
    })();
    return this.require(id);
  }

  /** The wizard's last step: identity, configuration and credential in one audited change. */
  commission(id: string, fields: CommissionFields, actor = this.actor()): RegistryDevice {
    const before = this.require(id);
    const now = this.now();
    const record: RegistryRecord = {
      ...this.record(id),
      lifecycle: 'commissioned',
      site: fields.site || null,
      tags: [...new Set(fields.tags)].sort(),
      serialNumber: fields.serialNumber,
      hardwareVersion: fields.hardwareVersion,
      firmwareVersion: fields.firmwareVersion,
      desiredConfig: fields.desiredConfig,
      reportedConfig: fields.reportedConfig,
      credential: fields.credential,
      commissionedAt: now,
      updatedAt: now,
    };
    this.db.transaction(() => {
      this.devices.pin(id, { name: fields.name, profile: fields.profile });
      this.save(id, record);
      const after = this.require(id);
      this.audit.append({
        actor,
        action: 'device.commissioned',
        subject: id,
        ...changedFields(before, after),
      });
    })();
    return this.require(id);
  }

  /**
   * Removes a device from the registry and the live lists, audited. A device whose
   * credentials still work must be decommissioned first (that retires them), or it could
   * keep reaching the broker unseen.
   */
  remove(
    id: string,
    readings: 'keep' | 'purge',
    actor = this.actor(),
    reason?: string,
  ): { deviceId: string; readings: 'keep' | 'purge'; readingsDeleted: number } {
    const before = this.require(id);
    if (before.credential && before.lifecycle !== 'decommissioned') {
      throw new RpcError(
        'INVALID_PARAMS',
        `${id} still holds a credential: decommission it first, so its credentials stop working, then remove it`,
      );
    }
    let readingsDeleted = 0;
    this.db.transaction(() => {
      // a device kept for its readings comes back with its history but as a new registry entry
      if (readings === 'keep') this.sql.save(id, emptyRecord());
      readingsDeleted = this.devices.remove(id, readings).readingsDeleted;
      this.audit.append({
        actor,
        action: 'device.removed',
        subject: id,
        before: {
          name: before.name,
          lifecycle: before.lifecycle,
          transport: before.transport,
          connector: before.connectorId,
        },
        after: { readings, readingsDeleted, ...(reason ? { reason } : {}) },
      });
    })();
    this.records.delete(id);
    this.healthDirty.delete(id);
    return { deviceId: id, readings, readingsDeleted };
  }

  setCredential(id: string, credential: RegistryRecord['credential'], actor = this.actor()): RegistryDevice {
    const record = { ...this.record(id) };
    const before = record.credential;
    record.credential = credential;
    record.updatedAt = this.now();
    this.db.transaction(() => {
      this.save(id, record);
      this.audit.append({ actor, action: 'device.credential', subject: id, before, after: credential });
    })();
    return this.require(id);
  }

  /** What the device was last seen running after a flash or rollout (audited there, not again here). */
  setFirmwareVersion(id: string, version: string): void {
    if (!this.devices.get(id)) return;
    this.save(id, { ...this.record(id), firmwareVersion: version, updatedAt: this.now() });
  }

  setReportedConfig(id: string, reported: Record<string, unknown>): void {
    const record = { ...this.record(id), reportedConfig: reported };
    this.save(id, record);
  }

  /**
   * Health and heartbeat from the device's own metrics; the first process reading of a
   * commissioned device makes it active. Health is written in bulk by flushHealth.
   */
  observe(accepted: readonly Reading[]): void {
    for (const r of accepted) {
      const record = this.records.get(r.deviceId);
      if (!record) continue;
      if (HEALTH_METRICS.has(r.metric)) {
        if (r.value === null) continue;
        if (r.metric === HEARTBEAT_METRIC) {
          record.health.uptimeS = r.value;
          record.lastHeartbeat = Math.max(record.lastHeartbeat ?? 0, r.arrivedAt ?? r.ts);
        } else if (r.metric === 'rssi') record.health.rssi = r.value;
        else if (r.metric === 'battery') record.health.battery = r.value;
        else record.health.errors = Math.max(0, Math.round(r.value));
        this.healthDirty.add(r.deviceId);
      } else if (record.lifecycle === 'commissioned') {
        this.setLifecycle(r.deviceId, 'active', 'first telemetry after commissioning', 'engine');
      }
    }
  }

  flushHealth(): void {
    if (this.healthDirty.size === 0) return;
    this.db.transaction(() => {
      for (const id of this.healthDirty) {
        const r = this.records.get(id);
        if (r) this.sql.saveHealth(id, r.lastHeartbeat, r.health);
        this.devices.touch(id);
      }
    })();
    this.healthDirty.clear();
  }

  private discovered(id: string): void {
    if (!this.records.has(id)) this.records.set(id, emptyRecord());
    const brief = this.devices.brief(id);
    this.audit.append({
      actor: 'engine',
      action: 'device.discovered',
      subject: id,
      after: brief
        ? {
            name: brief.descriptor.name,
            transport: brief.descriptor.transport,
            connector: brief.descriptor.connectorId,
          }
        : null,
    });
  }

  private record(id: string): RegistryRecord {
    let r = this.records.get(id);
    if (!r) {
      r = emptyRecord();
      this.records.set(id, r);
    }
    return r;
  }

  private save(id: string, record: RegistryRecord): void {
    this.sql.save(id, record);
    this.records.set(id, record);
    this.devices.touch(id);
  }

  private sortKey(sort: NonNullable<RegistryQuery['sort']>): SortKey {
    switch (sort) {
      case 'id':
        return (id) => id.toLowerCase();
      case 'site':
        return (id) => (this.record(id).site ?? '\uffff').toLowerCase();
      case 'lifecycle':
        return (id) => this.record(id).lifecycle;
      case 'lastSeen':
        return (id) => this.devices.brief(id)?.lastSeen ?? 0;
      case 'firmware':
        return (id) => this.record(id).firmwareVersion ?? '';
      default:
        return (id) => (this.devices.brief(id)?.descriptor.name ?? id).toLowerCase();
    }
  }

  private view(summary: DeviceSummary, r: RegistryRecord): RegistryDevice {
    return {
      ...summary,
      lifecycle: r.lifecycle,
      site: r.site,
      tags: r.tags,
      serialNumber: r.serialNumber,
      hardwareVersion: r.hardwareVersion,
      firmwareVersion: r.firmwareVersion,
      desiredConfig: r.desiredConfig,
      reportedConfig: r.reportedConfig,
      configDiff: configDiff(r.desiredConfig, r.reportedConfig),
      lastHeartbeat: r.lastHeartbeat,
      health: { ...r.health },
      credential: r.credential,
      commissionedAt: r.commissionedAt,
      updatedAt: r.updatedAt,
    };
  }
}

const AUDITED = [
  'name',
  'profile',
  'site',
  'tags',
  'lifecycle',
  'serialNumber',
  'hardwareVersion',
  'firmwareVersion',
  'desiredConfig',
  'reportedConfig',
  'credential',
] as const;

/** The audit entry carries only what changed, before and after, not the whole device. */
function changedFields(before: RegistryDevice, after: RegistryDevice): { before: object; after: object } {
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  for (const key of AUDITED) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      b[key] = before[key];
      a[key] = after[key];
    }
  }
  return { before: b, after: a };
}
