/**
 * npm run bench:reboot [-- --seconds 60 --kills 10 --stop kill|term --seed 1]
 *
 * What is lost when devices restart their message counters. Two figures:
 *  1. direct: one device sends 300 numbered readings (one a second), reboots (its counter starts at 0
 *     again) and sends 100 more within the next minute: how many of the 100 are stored.
 *  2. engine restarts: a writer process with 20 numbered devices (2 metrics each, 10
 *     readings/s, some resends, random device resets) is killed with SIGKILL (or stopped
 *     with SIGTERM) at random times and started again, its devices counting from 0 again
 *     as the demo's do; the share of committed distinct readings missing from the store at
 *     the end, and how many resends were stored twice.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SeriesQuery } from '../main/engine/store/series-query';
import { batchOf, openStore, type Row, tempDataDir } from '../main/engine/store/test-fixtures';
import { REBOOT_DEVICES, REBOOT_METRICS, REBOOT_T0, TICK_MS, valueAt } from './reboot-writer';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    kills: { type: 'string', default: '10' },
    stop: { type: 'string', default: 'kill' },
    seed: { type: 'string', default: '1' },
  },
});

function direct(): { stored: number; sent: number } {
  const { store } = openStore();
  const id = store.seriesId('d1', 'temperature');
  const t0 = REBOOT_T0;
  const before: Row[] = Array.from({ length: 300 }, (_, i) => [id, t0 + i * 1000, 20 + i / 100, 0, i]);
  store.ingestColumns(batchOf(before));
  // rebooted 5 s later: counts from 0 again, device time goes on
  const after: Row[] = Array.from({ length: 100 }, (_, i) => [
    id,
    t0 + 305_000 + i * 500,
    30 + i / 100,
    0,
    i,
  ]);
  let stored = 0;
  for (const row of after) stored += store.ingestColumns(batchOf([row])).stored;
  return { stored, sent: after.length };
}

function runWriter(dataDir: string, startK: number): { child: ChildProcess; acked: () => number } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'reboot-writer.ts'), '--run', dataDir, String(startK)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let last = startK - 1;
  let buffered = '';
  child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^ack (\d+)$/.exec(line);
      if (m) last = Number(m[1]);
    }
  });
  return { child, acked: () => last };
}

async function restarts(): Promise<void> {
  const seconds = Number(args.seconds);
  const kills = Number(args.kills);
  let state = Number(args.seed) >>> 0 || 1;
  const rand = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const at = Array.from({ length: kills }, () => rand() * seconds * 1000).sort((a, b) => a - b);
  const dataDir = tempDataDir('bench-reboot');
  const ackedTicks: number[] = [];
  let k = 0;
  let elapsed = 0;
  for (let run = 0; run <= kills; run++) {
    const until = run < kills ? at[run]! : seconds * 1000;
    const w = runWriter(dataDir, k);
    const exited = new Promise<void>((resolve) => w.child.on('exit', () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, Math.max(until - elapsed, 500)));
    elapsed = Math.max(until, elapsed + 500);
    w.child.kill(run < kills && args.stop === 'kill' ? 'SIGKILL' : 'SIGTERM');
    await exited;
    // acks read before the kill are committed; the writer may have committed more since
    const last = w.acked();
    for (let i = k; i <= last; i++) ackedTicks.push(i);
    // the engine is down for a moment: device time moves on
    k = last + 1 + Math.round(300 / TICK_MS);
  }
  const { store, db } = openStore(dataDir);
  const q = new SeriesQuery(db, store.series);
  let expected = 0;
  let missing = 0;
  let storedTwice = 0;
  for (let d = 0; d < REBOOT_DEVICES; d++) {
    for (let m = 0; m < REBOOT_METRICS; m++) {
      const raw = q.raw(store.seriesId(`dev-${d}`, `m${m}`), 0, 8.64e15);
      const byTs = new Map<number, number | null>(raw.ts.map((t, i) => [t, raw.values[i] ?? null]));
      for (const tick of ackedTicks) {
        expected++;
        const v = byTs.get(REBOOT_T0 + tick * TICK_MS);
        if (v !== valueAt(d, m, tick)) missing++;
      }
      storedTwice += raw.ts.filter((t) => (t - REBOOT_T0) % TICK_MS !== 0).length;
    }
  }
  db.close();
  const how = args.stop === 'kill' ? 'SIGKILL' : 'SIGTERM (clean stop)';
  console.log(
    `engine restarts: ${kills} × ${how} in ${seconds} s, ${REBOOT_DEVICES * REBOOT_METRICS} numbered series at ${1000 / TICK_MS}/s`,
  );
  console.log(
    `  committed distinct readings ${expected}, missing from the store ${missing} (${((100 * missing) / Math.max(expected, 1)).toFixed(1)} %)`,
  );
  console.log(`  re-stamped resends stored twice: ${storedTwice}`);
}

async function main(): Promise<void> {
  const d = direct();
  console.log(
    `device reboot (counter back to 0 within 10 min): ${d.stored} of ${d.sent} new readings stored, ${d.sent - d.stored} lost`,
  );
  await restarts();
}

void main();
