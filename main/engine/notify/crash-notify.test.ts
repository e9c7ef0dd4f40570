/**
 * SIGKILL of a real process delivering alarm notifications, at a random request (after
 * the receiver took it, before the answer came back); a new process on the same SQLite
 * file then finishes. Every episode's trigger and resolve arrive, the trigger first, and
 * anything sent twice carries the webhook-id it had the first time, so a receiver that
 * drops duplicates (as Standard Webhooks asks, and PagerDuty does by dedup_key) pages once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import { tempDataDir } from '../store/test-fixtures';
import { openChildNotify } from './notify-child';
import { insertNotice, Receiver } from './test-notices';

const CHILD = path.join(__dirname, 'notify-child.ts');
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const EPISODES = 12;
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function run(dataDir: string) {
  // tsx as a loader in the child's own process, so SIGKILL hits the process that does the work
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, 'run', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<{ signal: NodeJS.Signals | null; code: number | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, out: () => stdout, err: () => stderr };
}

async function prepare(url: string): Promise<string> {
  const dataDir = tempDataDir('notify-crash');
  const { db, service } = openChildNotify(dataDir);
  service.channels.save(
    { id: 'hook', name: 'hook', config: { kind: 'webhook', url, secret: SECRET } },
    Date.now(),
  );
  service.policies.savePolicy(
    {
      routes: [],
      defaultChannels: ['hook'],
      flood: { alarms: 1000, windowMs: 600_000 },
      siteTimeZone: 'UTC',
    },
    () => true,
    Date.now(),
  );
  for (let i = 0; i < EPISODES; i++) {
    insertNotice(db, { kind: 'raised', episode: `k${i}`, device: `dev-${i}` });
    insertNotice(db, { kind: 'ended', episode: `k${i}`, device: `dev-${i}` });
  }
  await service.close();
  db.close();
  return dataDir;
}

describe('notify survives SIGKILL (real child process, real SQLite file, receiver on 127.0.0.1)', () => {
  test('killed at a random request: no episode loses its trigger or resolve, no page under a new id', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 * EPISODES }), async (killAt) => {
        const receiver = new Receiver();
        let child: ChildProcess | undefined;
        receiver.respond = (_r, res) => {
          if (receiver.received.length === killAt) {
            child?.kill('SIGKILL');
            return; // the answer never comes
          }
          res.writeHead(204);
          res.end();
        };
        const url = await receiver.start();
        try {
          const dataDir = await prepare(`${url}/hook`);
          const first = run(dataDir);
          child = first.child;
          expect((await first.exited).signal, first.err()).toBe('SIGKILL');
          const second = run(dataDir);
          const done = await second.exited;
          expect(done.code, second.err()).toBe(0);
          expect(second.out()).toContain('drained');

          const seen = new Map<string, { kind: string; id: string }[]>();
          const idOf = new Map<string, string>();
          for (const r of receiver.received) {
            const body = JSON.parse(r.body) as { type: string; data: { dedupKey: string } };
            const id = String(r.headers['webhook-id']);
            const key = body.data.dedupKey;
            seen.set(key, [...(seen.get(key) ?? []), { kind: body.type, id }]);
            // the same message every time it is sent: one id per (episode, kind)
            const slot = `${key}|${body.type}`;
            expect(idOf.get(slot) ?? id).toBe(id);
            idOf.set(slot, id);
          }
          for (let i = 0; i < EPISODES; i++) {
            const kinds = (seen.get(`dedup-k${i}`) ?? []).map((s) => s.kind);
            expect(kinds[0], `episode ${i}`).toBe('alarm.trigger');
            expect(kinds, `episode ${i}`).toContain('alarm.resolve');
            expect(kinds.indexOf('alarm.resolve')).toBeGreaterThan(kinds.lastIndexOf('alarm.trigger'));
          }
          // at most the one request in flight at the kill went twice
          expect(receiver.received.length).toBeLessThanOrEqual(2 * EPISODES + 1);
        } finally {
          await receiver.stop();
        }
      }),
      { numRuns: 2 },
    );
  }, 60_000);
});
