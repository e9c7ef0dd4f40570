/**
 * Rollout orchestration figure, shared by bench:rollout and bench:ota: simulated devices
 * (10,000 by default) through every device state in one campaign, on the campaign engine
 * with a real SQLite file (every transition committed with its journal row). The fleet is
 * in-process (no broker): this measures the engine, not MQTT. The mix: most devices
 * succeed; some fail to install, reject, are incompatible, never come back (time out), fail
 * their health check, or already run the version; then the operator rolls the campaign
 * back. Prints transitions/s and the memory the engine added (heap and RSS before the
 * campaign and after it; run node with --expose-gc for a settled heap).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CampaignConfigSchema, ROLLOUT_DEVICE_STATES } from '../../common/rollout-contract';
import { createLogger } from '../../main/engine/log';
import { behaviourFor } from '../../main/engine/rollouts/fleet-behaviour';
import { InProcessFleet } from '../../main/engine/rollouts/in-process-fleet';
import { RolloutEngine } from '../../main/engine/rollouts/rollout-engine';
import { RolloutStore } from '../../main/engine/rollouts/rollout-store';
import type { RolloutCandidate } from '../../main/engine/rollouts/wave-plan';
import { openDatabase } from '../../main/engine/store/database';

const MB = 1024 * 1024;

function memory() {
  global.gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed / MB, rss: m.rss / MB };
}

/** Runs the campaign and prints its figures; false when some device state was never reached. */
export function measureRolloutOrchestration(count: number, print: (line: string) => void): boolean {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-bench-rollout-'));
  const devices: RolloutCandidate[] = Array.from({ length: count }, (_, i) => ({
    id: `dev-${String(i).padStart(5, '0')}`,
    site: 'plant-a',
    profile: 'env-sensor',
    tags: [],
    // 2 % already run the target
    firmwareVersion: i % 50 === 0 ? '2.0.0' : '1.0.0',
  }));
  const { db } = openDatabase({ dataDir, log: createLogger({ level: 'warn' }) });
  const clock = { t: Date.UTC(2026, 11, 3, 12) };
  const fleet = new InProcessFleet((id) =>
    behaviourFor(id, {
      failInstall: 0.02,
      reject: 0.02,
      incompatible: 0.02,
      neverBack: 0.02,
      failHealth: 0.02,
    }),
  );
  const before = memory();
  const engine = new RolloutEngine({
    store: new RolloutStore(db),
    channel: fleet,
    candidates: () => devices,
    now: () => clock.t,
  });
  fleet.engine = engine;
  const config = CampaignConfigSchema.parse({
    name: 'bench',
    firmware: { sha256: 'ab'.repeat(32), version: '2.0.0' },
    // thresholds out of the way: every wave runs, so every state is reached
    successThresholdPct: 0,
    failureThreshold: { count: 1_000_000, pct: 100, minExecuted: 1_000_000 },
    deviceTimeoutMs: 60_000,
    soakMs: 60_000,
  });
  const started = performance.now();
  engine.create(config, 'bench', 'bench-campaign');
  while (engine.get('bench-campaign').state === 'running') {
    fleet.pump();
    clock.t += 61_000;
    engine.tick();
  }
  engine.rollback('bench-campaign', 'bench');
  fleet.pump();
  const seconds = (performance.now() - started) / 1000;
  const after = memory();
  const campaign = engine.get('bench-campaign');
  const reached = new Set(engine.journal('bench-campaign').map((j) => j.to));
  // every device starts there; the journal records only the moves out of it
  reached.add('pending');
  const missing = ROLLOUT_DEVICE_STATES.filter((s) => !reached.has(s));
  const finalCounts: Record<string, number> = {};
  for (const d of campaign.devices) finalCounts[d.state] = (finalCounts[d.state] ?? 0) + 1;
  print(`rollout orchestration: ${count} devices, 4 waves, in-process fleet, SQLite file (WAL)`);
  print(`  transitions            ${engine.transitions} (each committed with its journal row)`);
  print(`  time                   ${seconds.toFixed(2)} s`);
  print(`  transitions/s          ${Math.round(engine.transitions / seconds)}`);
  print(
    `  heap before / after    ${before.heap.toFixed(1)} / ${after.heap.toFixed(1)} MB (+${(after.heap - before.heap).toFixed(1)})`,
  );
  print(
    `  RSS before / after     ${before.rss.toFixed(1)} / ${after.rss.toFixed(1)} MB (+${(after.rss - before.rss).toFixed(1)})`,
  );
  print(
    `  states reached         ${ROLLOUT_DEVICE_STATES.length - missing.length} of ${ROLLOUT_DEVICE_STATES.length}${missing.length ? ` (missing: ${missing.join(', ')})` : ''}`,
  );
  print(`  final device states    ${JSON.stringify(finalCounts)}`);
  db.close();
  rmSync(dataDir, { recursive: true, force: true });
  return missing.length === 0;
}
