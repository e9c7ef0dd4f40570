/**
 * An alarm service on a real SQLite file for tests and the SIGKILL child: a settable clock,
 * a small fixed set of devices whose online state the test flips, and the real audit log.
 */
import type { Reading } from '../../../common/reading';
import { AuditLog } from '../audit/audit-log';
import { openDatabase } from '../store/database';
import { silent } from '../store/test-fixtures';
import { AlarmService } from './alarm-service';
import type { DeviceFacts } from './condition-evaluator';

export interface AlarmFixture {
  service: AlarmService;
  audit: AuditLog;
  clock: { now: number };
  offline: Set<string>;
  db: ReturnType<typeof openDatabase>['db'];
  /** evaluates readings inside one transaction, as the ingest commit does, then afterCommit */
  ingest(readings: Omit<Reading, 'source' | 'quality'>[]): void;
  close(): void;
}

export const FIXTURE_DEVICES: DeviceFacts[] = [
  { id: 'boiler-1', profile: 'boiler', site: 'north', tags: ['steam'] },
  { id: 'boiler-2', profile: 'boiler', site: 'south', tags: [] },
  { id: 'pump-1', profile: 'pump', site: 'north', tags: ['steam'] },
];

export function openAlarmFixture(dataDir: string, start = 1_000_000, tickMs = 3_600_000): AlarmFixture {
  const { db } = openDatabase({ dataDir, log: silent });
  const clock = { now: start };
  const offline = new Set<string>();
  const audit = new AuditLog(db, () => clock.now);
  const service = new AlarmService({
    db,
    devices: {
      facts: (id) => FIXTURE_DEVICES.find((d) => d.id === id),
      ids: () => FIXTURE_DEVICES.map((d) => d.id),
      offline: (id) => offline.has(id),
      name: (id) => id.toUpperCase(),
    },
    audit: (entry) => audit.append(entry),
    siteId: 'site-A',
    profilesFor: (rule) =>
      [
        { id: 'boiler', metrics: ['temperature', 'pressure'] },
        { id: 'pump', metrics: ['flow', 'temperature'] },
      ].filter((p) => rule.target.profile === undefined || p.id === rule.target.profile),
    log: silent,
    now: () => clock.now,
    // tests drive tick() themselves
    tickMs,
    offlineGraceMs: 0,
  });
  service.start();
  return {
    service,
    audit,
    clock,
    offline,
    db,
    ingest(readings) {
      db.transaction(() =>
        service.evaluate(readings.map((r) => ({ source: 'test', quality: 'good' as const, ...r }))),
      )();
      service.afterCommit();
    },
    close() {
      service.close();
      db.close();
    },
  };
}
