/**
 * SIGKILL at random points never duplicates a notice nor loses a resolve (issue 12): the
 * alarm service runs the kill script in a child process on a real SQLite file and is killed
 * at a step fast-check picks; a new child resumes on the same file. The journal and notices
 * must equal those of an uninterrupted run, one raise per episode, every raise resolved.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, expect, test } from 'vitest';
import { tempDataDir } from '../store/test-fixtures';
import { journalOf, KILL_STEPS, runKillScript } from './alarm-kill-script';
import { openAlarmFixture } from './alarm-test-fixture';

const children = new Set<ChildProcess>();
afterEach(() => {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
});

/** runs the child; with `killAt`, SIGKILLs it once it reported that step; resolves with how it ended */
function runChild(dataDir: string, seed: number, killAt?: number): Promise<'killed' | 'done'> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'alarm-kill-child.ts'), dataDir, String(seed)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.add(child);
  let stderr = '';
  let out = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (killAt !== undefined && out.includes(`step ${killAt}\n`)) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    child.on('exit', (code, signal) => {
      children.delete(child);
      if (signal === 'SIGKILL') resolve('killed');
      else if (code === 0 && out.endsWith('done\n')) resolve('done');
      else reject(new Error(`child failed (${code ?? signal}): ${stderr}`));
    });
  });
}

function reference(seed: number): string[] {
  const f = openAlarmFixture(tempDataDir('alarm-ref'));
  try {
    runKillScript(f, seed);
    return journalOf(f);
  } finally {
    f.close();
  }
}

test('SIGKILL mid-run, resumed on the same file: the same journal as an uninterrupted run', async () => {
  let kills = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 2 ** 30 }),
      fc.integer({ min: 0, max: KILL_STEPS - 40 }),
      async (seed, killAt) => {
        const expected = reference(seed);
        // the script must exercise what it claims to
        expect(expected.filter((l) => l.includes(' raised ')).length).toBeGreaterThan(2);
        const dataDir = tempDataDir('alarm-kill');
        const first = await runChild(dataDir, seed, killAt);
        if (first === 'killed') {
          kills++;
          expect(await runChild(dataDir, seed)).toBe('done');
        }
        const f = openAlarmFixture(dataDir);
        try {
          const journal = journalOf(f);
          expect(journal).toEqual(expected);
          // one raise per episode, and every episode raised was also cleared (no lost resolve)
          const raises = journal.filter((l) => l.includes(' raised ')).map((l) => l.split(' ')[1]);
          expect(new Set(raises).size).toBe(raises.length);
          const cleared = new Set(journal.filter((l) => l.includes(' cleared ')).map((l) => l.split(' ')[1]));
          const open = f.service.list().filter((i) => i.state === 'active_unack' || i.state === 'active_ack');
          for (const ep of raises)
            if (!open.some((i) => i.episodeId === ep)) expect(cleared.has(ep)).toBe(true);
        } finally {
          f.close();
        }
      },
    ),
    // each run spawns processes: no shrinking, the failing seed and step are reported as found
    { numRuns: 3, endOnFailure: true },
  );
  expect(kills).toBeGreaterThan(0);
}, 60_000);
