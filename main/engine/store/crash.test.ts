/**
 * Kills a writer process with SIGKILL in the middle of heavy ingest (compactions
 * included), reopens its real SQLite file and proves: every acknowledged batch is there,
 * nothing is there twice, and every rollup equals a recomputation from the raw data.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { CRASH_SERIES, crashBatchRows } from './crash-writer';
import { aggregate, RESOLUTIONS } from './rollups';
import { SeriesQuery } from './series-query';
import { openStore, tempDataDir } from './test-fixtures';

async function runAndKill(dataDir: string, killAfterAcks: number, extraDelayMs: number): Promise<number> {
  // tsx as a loader in the writer's own process: its CLI would run the writer in a
  // grandchild that a SIGKILL of the CLI leaves running
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'crash-writer.ts'), '--run', dataDir],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let lastAck = -1;
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`writer too slow; stderr: ${stderr}`)), 60_000);
    let buffered = '';
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^ack (\d+)$/.exec(line);
        if (m) lastAck = Number(m[1]);
      }
      if (lastAck >= killAfterAcks) {
        clearTimeout(timer);
        setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, extraDelayMs);
      }
    });
    void exited.then(() => reject(new Error(`writer exited early; stderr: ${stderr}`)));
  });
  expect(await exited).toBe('SIGKILL');
  return lastAck;
}

describe('crash safety (SIGKILL of a real writer process, real SQLite file)', () => {
  test.each([
    [40, 0],
    [60, 37],
    [90, 113],
  ])(
    'killed after %i acks (+%i ms): acknowledged data complete, no duplicates, rollups exact',
    async (acks, delay) => {
      const dataDir = tempDataDir('crash');
      const acked = await runAndKill(dataDir, acks, delay);
      expect(acked).toBeGreaterThanOrEqual(acks);

      const { store, db } = openStore(dataDir);
      const ids = Array.from({ length: CRASH_SERIES }, (_, s) => store.seriesId('crash', `m${s}`));
      const q = new SeriesQuery(db, store.series);
      const stored = ids.map((id) => q.raw(id, 0, 8.64e15));
      // the writer runs ahead of the acks we have read, so the store must hold exactly
      // batches 0..M for some M >= the last ack we saw: all of each batch or none of it
      const storedCount = stored.reduce((n, s) => n + s.ts.length, 0);
      const sets = ids.map(() => new Set<number>());
      let size = 0;
      let match: Set<number>[] | undefined;
      let lastBatch = -1;
      for (let b = 0; size <= storedCount && b < 100_000; b++) {
        for (const [s, t] of crashBatchRows(b, ids)) {
          const set = sets[ids.indexOf(s)]!;
          if (!set.has(t)) {
            set.add(t);
            size++;
          }
        }
        if (size === storedCount && b >= acked) {
          match = sets;
          lastBatch = b;
          break;
        }
      }
      if (!match) {
        let missing = 0;
        let extra = 0;
        const storedSets = stored.map((x) => new Set(x.ts));
        ids.forEach((_, i) => {
          for (const t of sets[i]!) if (!storedSets[i]!.has(t)) missing++;
          for (const t of storedSets[i]!) if (!sets[i]!.has(t)) extra++;
        });
        throw new Error(
          `stored ${storedCount} readings: not whole batches 0..M (M >= ${acked}); near M: ${missing} missing, ${extra} extra`,
        );
      }
      expect(lastBatch).toBeGreaterThanOrEqual(acked);
      stored.forEach((s, i) => {
        expect(new Set(s.ts).size).toBe(s.ts.length);
        expect([...s.ts].sort((a, b) => a - b)).toEqual([...match![i]!].sort((a, b) => a - b));
      });
      expect(store.totalStored()).toBe(storedCount);

      for (const [i, id] of ids.entries()) {
        const raw = stored[i]!;
        const columns = {
          ts: Float64Array.from(raw.ts),
          values: Float64Array.from(raw.values, (v) => v ?? Number.NaN),
          quality: Uint8Array.from(raw.quality),
          seq: new Float64Array(raw.ts.length).fill(-1),
        };
        for (const r of RESOLUTIONS) {
          // SQLite keeps -0.0 as 0 and sums in another order: compare sums to the cent, zeros unsigned
          const norm = (a: ReturnType<typeof aggregate>[number]) =>
            JSON.parse(JSON.stringify({ ...a, sum: Math.round(a.sum * 100) }));
          const fromStore = q.aggregates(id, r.ms, 0, 8.64e15).map(norm);
          const recomputed = aggregate(columns, r.ms).map(norm);
          expect(fromStore).toEqual(recomputed);
        }
      }
      // and after compacting what was replayed, the tables alone agree too
      store.flush();
      const after = ids.map((id) => q.aggregates(id, 60_000, 0, 8.64e15).length);
      expect(after.every((n) => n > 0)).toBe(true);
      db.close();
    },
    90_000,
  );
});
