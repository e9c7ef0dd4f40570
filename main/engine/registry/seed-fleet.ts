/**
 * A fleet of N registry devices written straight into a data folder's database, for the
 * registry benchmark and the 10,000-device UI test. Deterministic: device i always gets
 * the same site, tags, lifecycle and firmware, so tests can count what a filter returns.
 */
import type { Lifecycle } from '../../../common/registry-contract';
import type { Db } from '../store/database';

export const SEED_SITES = ['North plant', 'South plant', 'Harbour', 'Warehouse 7'] as const;
export const SEED_LIFECYCLES: readonly Lifecycle[] = [
  'discovered',
  'commissioned',
  'active',
  'active',
  'decommissioned',
];
export const SEED_TAGS = ['pump', 'meter', 'env', 'critical', 'spare'] as const;

export function seededDevice(i: number) {
  const n = String(i).padStart(5, '0');
  return {
    id: `dev-${n}`,
    name: `Sensor ${n}`,
    site: SEED_SITES[i % SEED_SITES.length]!,
    lifecycle: SEED_LIFECYCLES[i % SEED_LIFECYCLES.length]!,
    tags: [SEED_TAGS[i % SEED_TAGS.length]!, ...(i % 7 === 0 ? ['critical'] : [])].filter(
      (t, k, a) => a.indexOf(t) === k,
    ),
    serialNumber: `SN${(1_000_000 + i * 7919).toString(36).toUpperCase()}`,
    firmwareVersion: `1.${i % 4}.${i % 10}`,
  };
}

export function seedFleet(db: Db, count: number, now = Date.now()): void {
  const insert = db.prepare(
    `INSERT INTO devices (id, name, kind, profile, transport, connector_id, first_seen, lifecycle, site, tags,
       serial_number, firmware_version, updated_at)
     VALUES (?, ?, 'sensor', '', 'mqtt', 'seed', ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO NOTHING`,
  );
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const d = seededDevice(i);
      insert.run(
        d.id,
        d.name,
        now,
        d.lifecycle,
        d.site,
        JSON.stringify(d.tags),
        d.serialNumber,
        d.firmwareVersion,
        now,
      );
    }
  })();
}
