/**
 * The demo's rollout fleet, as the engine wires it: the rollout service adopts the demo
 * job broker, the bad demo image stops at the first wave and is rolled back, and the good
 * one then reaches every device.
 */
import { expect, test } from 'vitest';
import { CampaignConfigSchema } from '../../../common/rollout-contract';
import { AuditLog } from '../audit/audit-log';
import { waitFor } from '../connectors/mqtt/mosquitto-harness';
import { FirmwareLibrary } from '../firmware/firmware-library';
import { matchDevice } from '../firmware/firmware-target';
import { createRolloutService } from '../rollouts/rollout-service';
import { openDatabase } from '../store/database';
import { silent, tempDataDir } from '../store/test-fixtures';
import { FL2_NODE_CLASS, startDemoRolloutFleet } from './demo-rollout-fleet';

test('demo fleet: the bad image halts at the first wave and rolls back, the good one completes', async () => {
  const dataDir = tempDataDir('demo-rollouts');
  const { db } = openDatabase({ dataDir, log: silent });
  const firmware = new FirmwareLibrary({
    db,
    dir: `${dataDir}/firmware`,
    audit: new AuditLog(db),
    actor: () => 'demo user',
    maxImageBytes: 32 * 1024 * 1024,
    log: silent,
  });
  const deviceIds = ['th-101', 'th-102', 'pm-201', 'pm-202', 'vb-301', 'vb-302'];
  const fleet = await startDemoRolloutFleet({ deviceIds, firmware, log: silent, stepMs: 5 });
  // signed with the demo's own key, pinned for it: the library takes them like any import
  expect(firmware.list().map((i) => i.version)).toEqual(['1.2.0+0', '1.1.0+0']);
  const service = createRolloutService({
    db,
    log: silent,
    candidates: () =>
      deviceIds.map((id) => ({ id, site: null, profile: 'p', tags: [], firmwareVersion: '1.0.0' })),
    image: async (sha) => (await firmware.getImage(sha))?.bytes,
    // every demo model is an FL-2 node (the shipped profiles say so): the demo images must fit it
    fit: (_id, image) => matchDevice(image, { target: { mcuboot: { classId: FL2_NODE_CLASS } } }),
    actor: () => 'demo user',
  });
  try {
    await service.start();
    await service.adoptDemo(fleet);
    const settings = await service.handlers['rollouts.settings'](undefined);
    expect(settings).toMatchObject({ brokerUrl: fleet.brokerUrl, connected: true });
    const [good, bad] = settings.demoImages;
    expect(bad?.label).toMatch(/fails its health check/);
    const config = (image: typeof good) =>
      CampaignConfigSchema.parse({
        name: image?.label,
        firmware: { sha256: image?.sha256, version: image?.version },
      });

    const badRun = await service.handlers['rollouts.create']({ config: config(bad), campaignId: 'demo-bad' });
    const first = badRun.devices.find((d) => d.wave === 0)?.deviceId;
    await waitFor(
      () => service.engine.get('demo-bad').devices.some((d) => d.state === 'rolled_back'),
      'the bad release rolled back',
    );
    expect(service.engine.get('demo-bad')).toMatchObject({ state: 'halted', currentWave: 0 });
    expect(
      service.engine
        .get('demo-bad')
        .devices.filter((d) => d.state !== 'pending')
        .map((d) => d.deviceId),
    ).toEqual([first]);

    await service.handlers['rollouts.create']({ config: config(good), campaignId: 'demo-good' });
    await waitFor(
      () => service.engine.get('demo-good').state !== 'running',
      'the good release to finish',
      10_000,
    );
    expect(service.engine.get('demo-good').state).toBe('completed');
    expect(fleet.images.map((i) => i.version)).toEqual(['1.1.0', '1.2.0']);
  } finally {
    await service.close();
    await fleet.close();
    db.close();
  }
});
