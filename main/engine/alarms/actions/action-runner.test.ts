/**
 * The action runner over a real SQLite file: which notices run which actions, in order,
 * through the 'actions' cursor; restarts at every point between a send, its log row and
 * the cursor move (fast-check); a link that stays down until the action expires.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../audit/audit-log';
import { openDatabase } from '../../store/database';
import { openTestDb, silent } from '../../store/test-fixtures';
import type { AlarmNotice } from '../alarm-notices';
import { NoticeTableSource } from '../notice-table-source';
import { ActionLog } from './action-log';
import { ACTIONS_CONSUMER, ActionRunner, type ActionRunnerOptions } from './action-runner';
import type { Attempt } from './attempt';
import { addNotice, saveRule, T0 } from './notice-fixtures';

type Db = ReturnType<typeof openTestDb>['db'];
const open: Db[] = [];
const runners: ActionRunner[] = [];

afterEach(async () => {
  for (const r of runners.splice(0)) await r.stop();
  for (const db of open.splice(0)) if (db.open) db.close();
});

function testDb() {
  const t = openTestDb('actions');
  open.push(t.db);
  return t;
}

const publish = (on: string[], topic: string) => ({
  kind: 'mqtt-publish',
  on,
  connectorId: 'broker',
  topic,
  payload: '{{state}}',
});
const write = (on: string[], value: number) => ({
  kind: 'device-write',
  on,
  deviceId: 'pump-1',
  metric: 'setpoint',
  value,
});

/** a performer that records what it was asked to do, by the action's topic or value */
function recorder() {
  const done: string[] = [];
  const perform: ActionRunnerOptions['perform'] = async (action, notice) => {
    const what =
      action.kind === 'mqtt-publish'
        ? action.topic
        : action.kind === 'webhook'
          ? `webhook ${action.channelId}`
          : `write ${action.value}`;
    done.push(`${notice.seq} ${notice.kind} ${what}`);
    return { outcome: 'done', target: what, detail: 'ok' };
  };
  return { done, perform };
}

function runner(db: Db, perform: ActionRunnerOptions['perform'], extra: Partial<ActionRunnerOptions> = {}) {
  const source = new NoticeTableSource(db);
  const audit = new AuditLog(db);
  const log = new ActionLog(db);
  const ruleActions = (id: string) => {
    const row = db.prepare('SELECT rule FROM alarm_rules WHERE id = ?').pluck().get(id) as string | undefined;
    if (!row) return [];
    const rule = JSON.parse(row) as { mode: string; actions: never[] };
    return rule.actions;
  };
  const r = new ActionRunner({
    db,
    source,
    log,
    ruleActions,
    perform,
    audit: (e) => audit.append(e),
    logger: silent,
    pollMs: 20,
    ...extra,
  });
  runners.push(r);
  return { r, source, log, audit };
}

describe('action runner', () => {
  it('runs the actions whose `on` matches each notice, in order, and moves the actions cursor', async () => {
    const { db } = testDb();
    saveRule(db, 'hot', [
      publish(['active'], 'light/red'),
      write(['cleared'], 20),
      publish(['escalated', 'active'], 'siren'),
    ]);
    const kinds = ['raised', 'acknowledged', 'escalated', 'deescalated', 'cleared', 'ended'] as const;
    const notices = kinds.map((kind) => addNotice(db, { ruleId: 'hot', kind }));
    const { done, perform } = recorder();
    const { r, source } = runner(db, perform);
    r.start();
    await r.drain();
    const [raised, , escalated, , cleared] = notices.map((n) => n.seq);
    expect(done).toEqual([
      `${raised} raised light/red`,
      `${raised} raised siren`,
      `${escalated} escalated siren`,
      // the episode's end after its clear is the same clear: write 20 runs once
      `${cleared} cleared write 20`,
    ]);
    expect(source.cursor(ACTIONS_CONSUMER)).toBe(notices.at(-1)!.seq);
  });

  it('an episode that ends with no cleared notice before (latched, acknowledged) runs its cleared actions once', async () => {
    const { db } = testDb();
    saveRule(db, 'latch', [write(['cleared'], 5)]);
    addNotice(db, { ruleId: 'latch', kind: 'raised', episodeId: 'ep-9' });
    const ended = addNotice(db, { ruleId: 'latch', kind: 'ended', episodeId: 'ep-9' });
    const { done, perform } = recorder();
    const { r } = runner(db, perform);
    r.start();
    await r.drain();
    expect(done).toEqual([`${ended.seq} ended write 5`]);
  });

  it('never acts on shadow notices or rules deleted since; derive actions are not its own; webhook actions run', async () => {
    const { db } = testDb();
    saveRule(db, 'quiet', [
      publish(['active'], 'light/red'),
      { kind: 'derive', expression: 'value * 2', metric: 'double' },
      { kind: 'webhook', on: ['active'], channelId: 'hook' },
    ]);
    addNotice(db, { ruleId: 'quiet', kind: 'raised', shadow: true });
    addNotice(db, { ruleId: 'gone', kind: 'raised' });
    const live = addNotice(db, { ruleId: 'quiet', kind: 'raised', episodeId: 'ep-2' });
    const { done, perform } = recorder();
    const { r, source, log } = runner(db, perform);
    r.start();
    await r.drain();
    expect(done).toEqual([`${live.seq} raised light/red`, `${live.seq} raised webhook hook`]);
    expect(source.cursor(ACTIONS_CONSUMER)).toBe(live.seq);
    expect(
      log
        .list({ limit: 10 })
        .map((o) => [o.noticeSeq, o.actionIndex, o.outcome])
        .sort(),
    ).toEqual([
      [live.seq, 0, 'done'],
      [live.seq, 2, 'done'],
    ]);
  });

  it('wakes on new notices while running', async () => {
    const { db } = testDb();
    saveRule(db, 'hot', [publish(['active'], 'light/red')]);
    const { done, perform } = recorder();
    const { r, source } = runner(db, perform, { pollMs: 60_000 });
    r.start();
    await r.drain();
    const n = addNotice(db, { ruleId: 'hot', kind: 'raised' });
    source.notify();
    await r.drain();
    expect(done).toEqual([`${n.seq} raised light/red`]);
  });

  it('a link that stays down holds the queue in order; the action is logged failed once it expires', async () => {
    const { db } = testDb();
    saveRule(db, 'hot', [publish(['active'], 'light/red')]);
    const first = addNotice(db, { ruleId: 'hot', kind: 'raised', at: T0 });
    const second = addNotice(db, { ruleId: 'hot', kind: 'raised', episodeId: 'ep-2', at: T0 + 1000 });
    let clock = T0;
    const calls: number[] = [];
    const perform: ActionRunnerOptions['perform'] = async (_action, notice): Promise<Attempt> => {
      calls.push(notice.seq);
      if (notice.seq === first.seq)
        return { outcome: 'retry', target: 'broker', detail: 'broker is disconnected' };
      return { outcome: 'done', target: 'broker', detail: 'ok' };
    };
    const { r, log } = runner(db, perform, {
      now: () => clock,
      expireMs: 60_000,
      retryMinMs: 5,
      retryMaxMs: 5,
    });
    r.start();
    await expect.poll(() => calls.length, { timeout: 5000 }).toBeGreaterThanOrEqual(3);
    expect(new Set(calls)).toEqual(new Set([first.seq]));
    expect(log.has(first.seq, 0)).toBe(false);
    clock = T0 + 60_001;
    await expect.poll(() => log.has(second.seq, 0), { timeout: 5000 }).toBe(true);
    const [failed] = log.list({ limit: 10 }).filter((o) => o.noticeSeq === first.seq);
    expect(failed?.outcome).toBe('failed');
    expect(failed?.detail).toMatch(/^gave up after \d+ tries over 60 s: broker is disconnected$/);
    expect(failed!.attempts).toBeGreaterThanOrEqual(3);
  });
});

describe('action runner across a crash (fast-check)', () => {
  /**
   * The process dies at one point: just before a send, just after a send (before its log
   * row commits), or inside the cursor's transaction. A second runner on a fresh connection
   * to the same file then drains. Every action must have been sent, none twice, except the
   * one sent just before the crash: at least once, honestly.
   */
  it('never skips an action and repeats only one sent but not yet logged', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('raised', 'escalated', 'cleared', 'acknowledged', 'ended'), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.nat(30),
        fc.constantFrom('before-send', 'after-send', 'in-cursor'),
        async (kinds, crashAt, mode) => {
          const { db, dataDir } = testDb();
          saveRule(db, 'r', [
            publish(['active', 'escalated'], 'a'),
            write(['cleared'], 1),
            publish(['active'], 'b'),
          ]);
          for (const [i, kind] of kinds.entries()) addNotice(db, { ruleId: 'r', kind, episodeId: `ep-${i}` });

          const sends: string[] = [];
          let step = 0;
          let crashed: string | undefined;
          const hang = new Promise<never>(() => {});
          const dying: ActionRunnerOptions['perform'] = async (action, notice: AlarmNotice) => {
            const key = `${notice.seq}:${action.kind === 'mqtt-publish' ? action.topic : 'value' in action ? action.value : action.channelId}`;
            if (crashed) return hang;
            if (step++ === crashAt && mode !== 'in-cursor') {
              crashed = key;
              if (mode === 'after-send') sends.push(key);
              return hang;
            }
            sends.push(key);
            return { outcome: 'done', target: 't', detail: 'ok' };
          };
          const first = runner(db, dying);
          if (mode === 'in-cursor') {
            let advances = 0;
            const advance = first.source.advance.bind(first.source);
            first.source.advance = (consumer, seq) => {
              if (advances++ === crashAt % (kinds.length + 1)) {
                crashed = `cursor ${seq}`;
                throw new Error('killed');
              }
              advance(consumer, seq);
            };
          }
          first.r.start();
          await expect
            .poll(() => crashed !== undefined || first.source.cursor(ACTIONS_CONSUMER) === kinds.length, {
              timeout: 5000,
            })
            .toBe(true);
          void first.r.stop();
          runners.splice(runners.indexOf(first.r), 1);
          db.close();

          const again = openDatabase({ dataDir, log: silent }).db;
          open.push(again);
          const { perform } = recorder();
          const second = runner(again, async (action, notice) => {
            const attempt = await perform(action, notice);
            sends.push(
              `${notice.seq}:${action.kind === 'mqtt-publish' ? action.topic : 'value' in action ? action.value : action.channelId}`,
            );
            return attempt;
          });
          second.r.start();
          await second.r.drain();
          await second.r.stop();

          const expected: string[] = [];
          kinds.forEach((kind, i) => {
            const seq = i + 1;
            if (kind === 'raised') expected.push(`${seq}:a`, `${seq}:b`);
            if (kind === 'escalated') expected.push(`${seq}:a`);
            if (kind === 'cleared' || kind === 'ended') expected.push(`${seq}:1`);
          });
          const counts = new Map<string, number>();
          for (const s of sends) counts.set(s, (counts.get(s) ?? 0) + 1);
          expect([...counts.keys()].sort()).toEqual([...new Set(expected)].sort());
          for (const [key, n] of counts) {
            expect(n, key).toBe(mode === 'after-send' && key === crashed ? 2 : 1);
          }
          expect(new NoticeTableSource(again).cursor(ACTIONS_CONSUMER)).toBe(kinds.length);
        },
      ),
      { numRuns: 30 },
    );
  }, 60_000);
});
