/**
 * The registry's columns of the `devices` table (migration 004): lifecycle, identity,
 * configuration, health, credential. The ingest path owns the other columns; the two
 * never write each other's, so a burst of readings cannot overwrite a technician's edit.
 */
import type { CredentialInfo, DeviceHealth, Lifecycle } from '../../../common/registry-contract';
import type { Db } from '../store/database';

export interface RegistryRecord {
  lifecycle: Lifecycle;
  site: string | null;
  tags: string[];
  serialNumber: string | null;
  hardwareVersion: string | null;
  firmwareVersion: string | null;
  desiredConfig: Record<string, unknown>;
  reportedConfig: Record<string, unknown>;
  lastHeartbeat: number | null;
  health: DeviceHealth;
  credential: CredentialInfo | null;
  commissionedAt: number | null;
  updatedAt: number | null;
}

export const EMPTY_HEALTH: DeviceHealth = { rssi: null, battery: null, uptimeS: null, errors: 0 };

export function emptyRecord(): RegistryRecord {
  return {
    lifecycle: 'discovered',
    site: null,
    tags: [],
    serialNumber: null,
    hardwareVersion: null,
    firmwareVersion: null,
    desiredConfig: {},
    reportedConfig: {},
    lastHeartbeat: null,
    health: { ...EMPTY_HEALTH },
    credential: null,
    commissionedAt: null,
    updatedAt: null,
  };
}

interface Row {
  id: string;
  lifecycle: string;
  site: string | null;
  tags: string;
  serial_number: string | null;
  hardware_version: string | null;
  firmware_version: string | null;
  desired_config: string;
  reported_config: string;
  last_heartbeat: number | null;
  health: string | null;
  credential_kind: string | null;
  credential_fingerprint: string | null;
  credential_serial: string | null;
  credential_expires: number | null;
  commissioned_at: number | null;
  updated_at: number | null;
}

/** A stored JSON column that does not parse is shown empty, not fatal: the row is still the device. */
function parseObject(text: string | null): Record<string, unknown> {
  if (!text) return {};
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

function fromRow(row: Row): RegistryRecord {
  const tags = (() => {
    try {
      const t: unknown = JSON.parse(row.tags);
      return Array.isArray(t) ? t.filter((x): x is string => typeof x === 'string') : [];
    } catch {
      return [];
    }
  })();
  const h = parseObject(row.health);
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    lifecycle: row.lifecycle as Lifecycle,
    site: row.site,
    tags,
    serialNumber: row.serial_number,
    hardwareVersion: row.hardware_version,
    firmwareVersion: row.firmware_version,
    desiredConfig: parseObject(row.desired_config),
    reportedConfig: parseObject(row.reported_config),
    lastHeartbeat: row.last_heartbeat,
    health: {
      rssi: num(h.rssi),
      battery: num(h.battery),
      uptimeS: num(h.uptimeS),
      errors: num(h.errors) ?? 0,
    },
    credential:
      row.credential_kind === 'x509' || row.credential_kind === 'psk'
        ? {
            kind: row.credential_kind,
            fingerprint: row.credential_fingerprint ?? '',
            serial: row.credential_serial,
            expires: row.credential_expires,
          }
        : null,
    commissionedAt: row.commissioned_at,
    updatedAt: row.updated_at,
  };
}

export class RegistryRecords {
  private readonly statements;

  constructor(db: Db) {
    this.statements = {
      all: db.prepare<[], Row>(
        `SELECT id, lifecycle, site, tags, serial_number, hardware_version, firmware_version, desired_config,
           reported_config, last_heartbeat, health, credential_kind, credential_fingerprint, credential_serial,
           credential_expires, commissioned_at, updated_at FROM devices`,
      ),
      save: db.prepare(
        `UPDATE devices SET lifecycle = @lifecycle, site = @site, tags = @tags, serial_number = @serialNumber,
           hardware_version = @hardwareVersion, firmware_version = @firmwareVersion,
           desired_config = @desiredConfig, reported_config = @reportedConfig, last_heartbeat = @lastHeartbeat,
           health = @health, credential_kind = @credentialKind, credential_fingerprint = @credentialFingerprint,
           credential_serial = @credentialSerial, credential_expires = @credentialExpires,
           commissioned_at = @commissionedAt, updated_at = @updatedAt
         WHERE id = @id`,
      ),
      heartbeat: db.prepare('UPDATE devices SET last_heartbeat = ?, health = ? WHERE id = ?'),
    };
  }

  loadAll(): Map<string, RegistryRecord> {
    const out = new Map<string, RegistryRecord>();
    for (const row of this.statements.all.all()) out.set(row.id, fromRow(row));
    return out;
  }

  save(id: string, r: RegistryRecord): void {
    this.statements.save.run({
      id,
      lifecycle: r.lifecycle,
      site: r.site,
      tags: JSON.stringify(r.tags),
      serialNumber: r.serialNumber,
      hardwareVersion: r.hardwareVersion,
      firmwareVersion: r.firmwareVersion,
      desiredConfig: JSON.stringify(r.desiredConfig),
      reportedConfig: JSON.stringify(r.reportedConfig),
      lastHeartbeat: r.lastHeartbeat,
      health: JSON.stringify(r.health),
      credentialKind: r.credential?.kind ?? null,
      credentialFingerprint: r.credential?.fingerprint ?? null,
      credentialSerial: r.credential?.serial ?? null,
      credentialExpires: r.credential?.expires ?? null,
      commissionedAt: r.commissionedAt,
      updatedAt: r.updatedAt,
    });
  }

  /** Heartbeats arrive with telemetry; they are written in bulk, without an audit entry each. */
  saveHealth(id: string, lastHeartbeat: number | null, health: DeviceHealth): void {
    this.statements.heartbeat.run(lastHeartbeat, JSON.stringify(health), id);
  }
}
