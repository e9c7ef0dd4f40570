/**
 * Firmware history from rollouts: the campaign engine on a real SQLite file with the
 * in-process simulated fleet, the real registry service, and the history wired the way
 * engine.ts wires it. A good release leaves one "installed" entry per device and moves
 * the registry's version; a bad one leaves "failed" then "rolled_back" and the old version.
 */
import { describe, expect, test } from 'vitest';
import { CampaignConfigSchema } from '../../../common/rollout-contract';
import { AuditLog } from '../audit/audit-log';
import { RegistryService } from '../registry/registry-service';
import type { FleetBehaviour } from '../rollouts/fleet-behaviour';
import { InProcessFleet } from '../rollouts/in-process-fleet';
import { RolloutEngine } from '../rollouts/rollout-engine';
import { RolloutStore } from '../rollouts/rollout-store';
import { openDatabase } from '../store/database';
import { ReadingStore } from '../store/reading-store';
import { silent, tempDataDir } from '../store/test-fixtures';
import { DeviceRegistry } from './device-registry';
import { FirmwareHistory } from './firmware-history';

const SHA = 'cd'.repeat(32);
const AT = Date.UTC(2026, 11, 3, 12, 0, 0);

function setup(behaviour: FleetBehaviour, count = 20) {
  const { db, file } = openDatabase({ dataDir: tempDataDir('firmware-history'), log: silent });
  const devices = new DeviceRegistry(new ReadingStore(db, file, silent), new Map());
  devices.load();
  const registry = new RegistryService(
    db,
    devices,
    new AuditLog(db),
    () => 'alice',
    () => {},
  );
  const ids = Array.from({ length: count }, (_, i) => `dev-${String(i).padStart(2, '0')}`);
  for (const id of ids) {
    devices.register({ id, name: id, kind: 'mqtt device', profile: '', transport: 'mqtt', connectorId: 'b' });
    registry.setFirmwareVersion(id, '1.0.0');
  }
  const history = new FirmwareHistory(
    db,
    {
      versionOf: (id) => registry.get(id)?.firmwareVersion,
      setVersion: (id, v) => registry.setFirmwareVersion(id, v),
    },
    silent,
    () => AT,
  );
  const fleet = new InProcessFleet(() => behaviour);
  const engine = new RolloutEngine({
    store: new RolloutStore(db),
    channel: fleet,
    candidates: () =>
      ids.map((id) => ({
        id,
        site: 'plant-a',
        profile: 'env',
        tags: [],
        firmwareVersion: registry.get(id)?.firmwareVersion ?? null,
      })),
    events: { deviceFinished: (e) => history.rolloutFinished(e) },
    now: () => AT,
  });
  fleet.engine = engine;
  const run = (campaignId: string, version = '1.1.0', sha256 = SHA) => {
    engine.create(
      CampaignConfigSchema.parse({ name: `v${version}`, firmware: { sha256, version } }),
      'alice',
      campaignId,
    );
    for (let i = 0; i < 50 && (i === 0 || fleet.pending() > 0); i++) {
      fleet.pump();
      engine.tick();
    }
    return engine.get(campaignId);
  };
  return { db, ids, registry, history, engine, fleet, run };
}

describe('firmware history from rollouts', () => {
  test('a good release: one installed entry per device, the registry shows the new version', () => {
    const s = setup('good');
    expect(s.run('camp-good').state).toBe('completed');
    for (const id of s.ids) {
      expect(s.history.list(id)).toEqual([
        {
          seq: expect.any(Number),
          at: AT,
          source: 'rollout',
          campaignId: 'camp-good',
          campaignName: 'v1.1.0',
          fromVersion: '1.0.0',
          toVersion: '1.1.0',
          sha256: SHA,
          outcome: 'installed',
          reason: null,
        },
      ]);
      expect(s.registry.get(id)?.firmwareVersion).toBe('1.1.0');
    }
  });

  test('a failing first wave: the device shows failed then rolled back, and keeps its version', () => {
    const s = setup('fail-health');
    const campaign = s.run('camp-bad');
    expect(campaign.state).toBe('halted');
    const tried = campaign.devices.filter((d) => d.state !== 'pending');
    expect(tried.map((d) => d.state)).toEqual(['rolled_back']);
    const id = tried[0]?.deviceId ?? '';
    const entries = s.history.list(id);
    expect(entries.map((e) => [e.outcome, e.fromVersion, e.toVersion, e.campaignId])).toEqual([
      ['rolled_back', '1.0.0', '1.1.0', 'camp-bad'],
      ['failed', '1.0.0', '1.1.0', 'camp-bad'],
    ]);
    expect(entries[1]?.reason).toBe('self-test failed; MCUboot reverted');
    expect(entries[0]?.reason).toBe('self-test failed; MCUboot reverted; rolled back to 1.0.0');
    expect(s.registry.get(id)?.firmwareVersion).toBe('1.0.0');
    // the devices the campaign never reached have no history
    for (const other of s.ids.filter((d) => d !== id)) expect(s.history.list(other)).toEqual([]);
  });

  test('two releases in a row: newest first, the limit honoured, each from the version before', () => {
    const s = setup('good', 2);
    s.run('camp-1');
    s.run('camp-2', '1.2.0', 'ef'.repeat(32));
    expect(s.history.list('dev-00').map((e) => [e.campaignId, e.fromVersion, e.toVersion])).toEqual([
      ['camp-2', '1.1.0', '1.2.0'],
      ['camp-1', '1.0.0', '1.1.0'],
    ]);
    expect(s.history.list('dev-00', 1).map((e) => e.campaignId)).toEqual(['camp-2']);
    expect(s.registry.get('dev-01')?.firmwareVersion).toBe('1.2.0');
    expect(s.history.list('unknown-device')).toEqual([]);
  });

  test('a device state change and its history row commit together: a failing history write leaves neither', () => {
    const s = setup('good', 1);
    // a real failure inside the second write (as a full disk would), not a stub of it
    s.db.exec(`CREATE TEMP TRIGGER history_fails BEFORE INSERT ON device_firmware_history
      BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);
    s.engine.create(
      CampaignConfigSchema.parse({ name: 'v1.1.0', firmware: { sha256: SHA, version: '1.1.0' } }),
      'alice',
      'camp-atomic',
    );
    // the device confirms (verifying), then its heartbeat would make it succeeded
    expect(() => s.fleet.pump()).toThrow('database or disk is full');
    const onDisk = () => new RolloutStore(s.db).loadDevices('camp-atomic').map((d) => [d.deviceId, d.state]);
    expect(onDisk()).toEqual([['dev-00', 'verifying']]);
    expect(s.engine.get('camp-atomic').devices.map((d) => d.state)).toEqual(['verifying']);
    expect(s.history.list('dev-00')).toEqual([]);
    expect(s.registry.get('dev-00')?.firmwareVersion).toBe('1.0.0');
    // an engine started on the same file finds the device where the commit left it
    const reopened = new RolloutEngine({
      store: new RolloutStore(s.db),
      channel: { publish: () => {} },
      candidates: () => [],
      now: () => AT,
    });
    expect(reopened.get('camp-atomic').devices.map((d) => d.state)).toEqual(['verifying']);

    // once the write can succeed, the next heartbeat commits both
    s.db.exec('DROP TRIGGER history_fails');
    s.engine.heartbeat('dev-00', '1.1.0');
    expect(onDisk()).toEqual([['dev-00', 'succeeded']]);
    expect(s.history.list('dev-00').map((e) => [e.outcome, e.toVersion])).toEqual([['installed', '1.1.0']]);
    expect(s.registry.get('dev-00')?.firmwareVersion).toBe('1.1.0');
    expect(s.engine.get('camp-atomic').state).toBe('completed');
  });
});
