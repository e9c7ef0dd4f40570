/**
 * The deterministic workload of the SIGKILL test, shared by the child that gets killed and the
 * uninterrupted reference run: boiler readings wandering across the deadband, operator acks
 * and timer ticks on a clock that follows the script. Each step commits in one transaction
 * with the step number, as the ingest commit does with its readings.
 */
import { RuleSchema } from '../../../common/alarm-contract';
import type { AlarmFixture } from './alarm-test-fixture';

export const KILL_STEPS = 300;
const T0 = 1_700_000_000_000;

export const KILL_RULE = RuleSchema.parse({
  id: 'boiler-hot',
  name: 'Boiler too hot',
  target: { profile: 'boiler', metric: 'temperature' },
  condition: { kind: 'threshold', levels: [{ severity: 'high', above: { value: 85, deadband: 5 } }] },
  onDelayMs: 3000,
  offDelayMs: 2000,
});

/** mulberry32: a small seeded generator, so parent and child walk the same values */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function values(seed: number): number[][] {
  const next = random(seed);
  const phase = [next() * 6, next() * 6];
  // a slow swing across both limits (above 85, clear below 80) with noise around them
  return Array.from({ length: KILL_STEPS }, (_, i) =>
    phase.map((p) => 83 + 7 * Math.sin(i / 12 + p) + (next() - 0.5) * 4),
  );
}

/** runs the steps after the last committed one; `progress` is told each committed step */
export function runKillScript(
  f: AlarmFixture,
  seed: number,
  progress: (step: number) => void = () => {},
): void {
  f.db.exec(
    'CREATE TABLE IF NOT EXISTS kill_progress (id INTEGER PRIMARY KEY CHECK (id = 1), step INTEGER NOT NULL)',
  );
  const done =
    (f.db.prepare('SELECT step FROM kill_progress').get() as { step: number } | undefined)?.step ?? -1;
  if (done < 0) f.service.seedRules([KILL_RULE]);
  const walk = values(seed);
  const setProgress = f.db.prepare('INSERT OR REPLACE INTO kill_progress (id, step) VALUES (1, ?)');
  for (let i = done + 1; i < KILL_STEPS; i++) {
    const ts = T0 + i * 1000;
    f.clock.now = ts;
    const [a = 0, b = 0] = walk[i] ?? [];
    f.db.transaction(() => {
      f.service.evaluate([
        { deviceId: 'boiler-1', metric: 'temperature', ts, value: a, quality: 'good', source: 'k' },
        { deviceId: 'boiler-2', metric: 'temperature', ts, value: b, quality: 'good', source: 'k' },
      ]);
      if (i % 3 === 0) f.service.tick();
      if (i % 7 === 0) {
        const unacked = f.service.list().filter((x) => x.state === 'active_unack' || x.state === 'rtn_unack');
        if (unacked.length)
          f.service.acknowledge(
            unacked.map((x) => x.key),
            'op',
          );
      }
      setProgress.run(i);
    })();
    f.service.afterCommit();
    progress(i);
  }
}

/** what the journal says happened, without the engine-time columns */
export function journalOf(f: AlarmFixture): string[] {
  return f.service
    .after(0, 100_000)
    .map(
      (n) =>
        `${n.transition.key} ${n.transition.episodeId} ${n.kind} ${n.transition.from}>${n.transition.to} @${n.transition.deviceTime} ${n.dedupKey.slice(0, 8)}`,
    );
}
