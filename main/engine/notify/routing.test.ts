/**
 * Routing from notices to people: label matchers (with patterns that cannot hang), silences
 * set before the alarm exists, mute windows in the site's time zone across DST, flood
 * control, escalation chains stopped by an ack, the offline digest, and shadow rules.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Policy } from '../../../common/notify-contract';
import { MatcherError, matches, safeRegex } from './label-matchers';
import { inMuteWindow, localTime } from './mute-windows';
import { insertNotice, openNotify, Receiver } from './test-notices';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('label matchers', () => {
  const labels = { rule: 'boiler-hot', device: 'boiler-3', site: 'plant-a', severity: 'high' };

  it('match with =, != and anchored =~', () => {
    expect(matches([{ label: 'site', op: '=', value: 'plant-a' }], labels)).toBe(true);
    expect(matches([{ label: 'site', op: '!=', value: 'plant-a' }], labels)).toBe(false);
    expect(matches([{ label: 'device', op: '=~', value: 'boiler-[0-9]+' }], labels)).toBe(true);
    // anchored: a pattern matching part of the value is not a match
    expect(matches([{ label: 'device', op: '=~', value: 'boiler' }], labels)).toBe(false);
    expect(matches([{ label: 'missing', op: '=', value: '' }], labels)).toBe(true);
  });

  it('refuse patterns that can backtrack for ever, and back-references', () => {
    for (const p of ['(a+)+', '(a*)*b', '(x|xy){2,}+', '(a+){10}', '(.)\\1', '(?=a)a']) {
      expect(() => safeRegex(p), p).toThrow(MatcherError);
    }
  });

  it('never hang or throw anything but a clear error, whatever the pattern (fuzz)', () => {
    const subject = 'a'.repeat(1024);
    fc.assert(
      fc.property(
        fc.string({
          maxLength: 60,
          unit: fc.constantFrom('a', '(', ')', '+', '*', '?', '|', '{', '}', '2', ',', '[', ']', '\\', '.'),
        }),
        (pattern) => {
          let re: RegExp;
          try {
            re = safeRegex(pattern);
          } catch (error) {
            expect(error).toBeInstanceOf(MatcherError);
            return;
          }
          const started = performance.now();
          re.test(`${subject}!`);
          expect(performance.now() - started).toBeLessThan(200);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('mute windows in the site time zone', () => {
  const nightly = { weekdays: [0, 1, 2, 3, 4, 5, 6], start: '22:00', end: '06:00' };

  it('keep local hours across the spring and autumn DST changes (Europe/Berlin, 2026)', () => {
    const tz = 'Europe/Berlin';
    // 29 March 2026: 02:00 CET becomes 03:00 CEST
    expect(inMuteWindow(nightly, Date.parse('2026-03-28T21:30:00Z'), tz)).toBe(true); // 22:30 CET
    expect(inMuteWindow(nightly, Date.parse('2026-03-29T03:30:00Z'), tz)).toBe(true); // 05:30 CEST
    expect(inMuteWindow(nightly, Date.parse('2026-03-29T04:30:00Z'), tz)).toBe(false); // 06:30 CEST
    // 25 October 2026: 03:00 CEST becomes 02:00 CET
    expect(inMuteWindow(nightly, Date.parse('2026-10-25T04:30:00Z'), tz)).toBe(true); // 05:30 CET
    expect(inMuteWindow(nightly, Date.parse('2026-10-25T05:30:00Z'), tz)).toBe(false); // 06:30 CET
    expect(localTime(Date.parse('2026-10-25T05:30:00Z'), tz)).toEqual({ weekday: 0, minute: 6 * 60 + 30 });
  });

  it('name the day a window past midnight starts on', () => {
    const fridayNight = { weekdays: [5], start: '22:00', end: '06:00' };
    expect(inMuteWindow(fridayNight, Date.parse('2026-12-04T23:00:00Z'), 'UTC')).toBe(true); // Fri 23:00
    expect(inMuteWindow(fridayNight, Date.parse('2026-12-05T05:00:00Z'), 'UTC')).toBe(true); // Sat 05:00
    expect(inMuteWindow(fridayNight, Date.parse('2026-12-05T23:00:00Z'), 'UTC')).toBe(false); // Sat 23:00
    expect(inMuteWindow(fridayNight, Date.parse('2026-12-04T05:00:00Z'), 'UTC')).toBe(false); // Fri 05:00
  });
});

describe('routing', () => {
  let receiver: Receiver;
  let fx: ReturnType<typeof openNotify>;
  let url: string;
  let down = false;
  const bodies = () =>
    receiver.received.map((r) => ({
      path: r.path,
      ...(JSON.parse(r.body) as {
        type: string;
        data: { title: string; alerts: { dedupKey: string; episodeStart: number; endedAt?: number }[] };
      }),
    }));

  const route = (name: string, channels: string[], extra: Partial<Policy['routes'][number]> = {}) => ({
    name,
    matchers: [],
    channels,
    groupBy: ['rule', 'device'],
    groupWaitMs: 0,
    groupIntervalMs: 300_000,
    repeatIntervalMs: 14_400_000,
    minSeverity: 'info' as const,
    continue: false,
    ...extra,
  });
  const policy = (routes: Policy['routes'], extra: Partial<Policy> = {}) =>
    fx.service.policies.savePolicy(
      {
        routes,
        defaultChannels: [],
        flood: { alarms: 10, windowMs: 600_000 },
        siteTimeZone: 'UTC',
        ...extra,
      },
      () => true,
      fx.clock.now(),
    );

  beforeEach(async () => {
    down = false;
    receiver = new Receiver();
    receiver.respond = (_r, res) => {
      res.writeHead(down ? 503 : 200);
      res.end();
    };
    url = await receiver.start();
    fx = openNotify();
    for (const id of ['ops', 'manager', 'extra']) {
      fx.service.channels.save(
        { id, name: id, config: { kind: 'webhook', url: `${url}/${id}`, secret: SECRET } },
        fx.clock.now(),
      );
    }
  });

  afterEach(async () => {
    await fx.service.close();
    fx.db.close();
    await receiver.stop();
  });

  it('sends to the first matching route, and to later ones only when it says continue', async () => {
    policy([
      route('boilers', ['ops'], {
        matchers: [{ label: 'device', op: '=~', value: 'boiler-.*' }],
        continue: true,
      }),
      route('critical', ['manager'], { minSeverity: 'critical' }),
      route('rest', ['extra']),
    ]);
    insertNotice(fx.db, { kind: 'raised', episode: 'r1', severity: 'high' });
    insertNotice(fx.db, { kind: 'raised', episode: 'r2', severity: 'critical', device: 'boiler-4' });
    await fx.service.tick();
    const paths = bodies().map((b) => `${b.path} ${b.data.alerts[0]?.dedupKey}`);
    // r1 (high) is below "critical" and goes on to "rest"; r2 (critical) stops at "critical"
    expect(paths.sort()).toEqual(['/extra dedup-r1', '/manager dedup-r2', '/ops dedup-r1', '/ops dedup-r2']);
  });

  it('honours a silence saved before the alarm existed, and sends no lone resolve for it', async () => {
    policy([route('all', ['ops'])]);
    fx.service.policies.saveSilence(
      {
        matchers: [{ label: 'rule', op: '=', value: 'boiler-hot' }],
        startsAt: fx.clock.now(),
        endsAt: fx.clock.now() + 3_600_000,
        comment: 'burner service',
      },
      'tech',
    );
    insertNotice(fx.db, { kind: 'raised', episode: 's1' });
    insertNotice(fx.db, { kind: 'ended', episode: 's1' });
    insertNotice(fx.db, { kind: 'raised', episode: 's2', rule: 'pump-dry' });
    await fx.service.tick();
    expect(bodies().map((b) => b.data.alerts[0]?.dedupKey)).toEqual(['dedup-s2']);
    fx.clock.advance(3_600_000);
    insertNotice(fx.db, { kind: 'raised', episode: 's3' });
    await fx.service.tick();
    expect(bodies().map((b) => b.data.alerts[0]?.dedupKey)).toEqual(['dedup-s2', 'dedup-s3']);
  });

  it('sends an alarm still firing when its silence ends, then, with its start time; not one that ended or was acknowledged', async () => {
    policy([route('all', ['ops'])]);
    const t0 = fx.clock.now();
    fx.service.policies.saveSilence(
      {
        matchers: [{ label: 'rule', op: '=', value: 'boiler-hot' }],
        startsAt: t0,
        endsAt: t0 + 3_600_000,
        comment: 'burner service',
      },
      'tech',
    );
    insertNotice(fx.db, { kind: 'raised', episode: 'h1', device: 'd1', at: t0 });
    insertNotice(fx.db, { kind: 'raised', episode: 'h2', device: 'd2', at: t0 });
    insertNotice(fx.db, { kind: 'raised', episode: 'h3', device: 'd3', at: t0 });
    await fx.service.tick();
    fx.clock.advance(600_000);
    insertNotice(fx.db, {
      kind: 'escalated',
      episode: 'h1',
      device: 'd1',
      severity: 'critical',
      at: t0 + 600_000,
      episodeStart: t0,
    });
    insertNotice(fx.db, { kind: 'ended', episode: 'h2', device: 'd2', at: t0 + 600_000 });
    insertNotice(fx.db, { kind: 'acknowledged', episode: 'h3', device: 'd3', at: t0 + 600_000 });
    await fx.service.tick();
    fx.clock.advance(2_999_000);
    await fx.service.tick();
    expect(receiver.received).toHaveLength(0);
    fx.clock.advance(1_000);
    await fx.service.tick();
    const sent = bodies().map((b) => [b.type, b.data.alerts[0]?.dedupKey, b.data.alerts[0]?.episodeStart]);
    expect(sent).toEqual([['alarm.trigger', 'dedup-h1', t0]]);
    expect(JSON.parse(receiver.received[0]?.body ?? '{}').data.alerts[0].severity).toBe('critical');
    // released once: the resolve follows it, and no second trigger
    fx.clock.advance(60_000);
    insertNotice(fx.db, { kind: 'ended', episode: 'h1', device: 'd1', at: t0 + 4_000_000 });
    await fx.service.tick();
    expect(bodies().map((b) => b.type)).toEqual(['alarm.trigger', 'alarm.resolve']);
  });

  it('sends an alarm still firing when its mute window ends, and survives a restart while held', async () => {
    policy([route('all', ['ops'])]);
    fx.service.policies.saveMuteWindow({
      name: 'night',
      matchers: [],
      weekdays: [0, 1, 2, 3, 4, 5, 6],
      start: '22:00',
      end: '06:00',
    });
    fx.clock.t = Date.parse('2026-12-03T05:50:00Z');
    insertNotice(fx.db, { kind: 'raised', episode: 'm1', at: fx.clock.t });
    await fx.service.tick();
    await fx.service.close();
    fx.db.close();
    fx = openNotify(fx.dataDir, fx.clock);
    fx.clock.t = Date.parse('2026-12-03T05:59:59Z');
    await fx.service.tick();
    expect(receiver.received).toHaveLength(0);
    fx.clock.t = Date.parse('2026-12-03T06:00:00Z');
    await fx.service.tick();
    expect(bodies().map((b) => [b.type, b.data.alerts[0]?.dedupKey])).toEqual([
      ['alarm.trigger', 'dedup-m1'],
    ]);
  });

  it('back-filled episodes: one digest for those already over, a trigger with its start time for one still active', async () => {
    policy([route('all', ['ops'])]);
    const t0 = fx.clock.now() - 7_200_000;
    insertNotice(fx.db, { kind: 'raised', episode: 'l1', device: 'd1', at: t0, late: true });
    insertNotice(fx.db, { kind: 'raised', episode: 'l2', device: 'd2', at: t0 + 60_000, late: true });
    insertNotice(fx.db, { kind: 'cleared', episode: 'l1', device: 'd1', at: t0 + 120_000, late: true });
    insertNotice(fx.db, { kind: 'raised', episode: 'l3', device: 'd3', at: t0 + 180_000, late: true });
    insertNotice(fx.db, { kind: 'ended', episode: 'l3', device: 'd3', at: t0 + 240_000, late: true });
    insertNotice(fx.db, { kind: 'ended', episode: 'l1', device: 'd1', at: t0 + 300_000 });
    await fx.service.tick();
    await fx.service.tick();
    const sent = bodies();
    expect(sent.map((b) => b.type).sort()).toEqual(['alarm.digest', 'alarm.trigger']);
    const digest = sent.find((b) => b.type === 'alarm.digest');
    expect(digest?.data.alerts.map((a) => [a.dedupKey, a.episodeStart, a.endedAt])).toEqual([
      ['dedup-l1', t0, t0 + 120_000],
      ['dedup-l3', t0 + 180_000, t0 + 240_000],
    ]);
    const trigger = sent.find((b) => b.type === 'alarm.trigger');
    expect(trigger?.data.alerts.map((a) => [a.dedupKey, a.episodeStart])).toEqual([
      ['dedup-l2', t0 + 60_000],
    ]);
    expect(fx.service.outbox.list('pending', 10)).toEqual([]);
  });

  it('mutes in the site time zone', async () => {
    policy([route('all', ['ops'])], { siteTimeZone: 'Europe/Berlin' });
    fx.service.policies.saveMuteWindow({
      name: 'night',
      matchers: [],
      weekdays: [0, 1, 2, 3, 4, 5, 6],
      start: '22:00',
      end: '06:00',
    });
    fx.clock.t = Date.parse('2026-03-29T03:30:00Z'); // 05:30 in Berlin, summer time
    insertNotice(fx.db, { kind: 'raised', episode: 'n1' });
    await fx.service.tick();
    expect(receiver.received).toHaveLength(0);
    fx.clock.t = Date.parse('2026-03-29T04:30:00Z'); // 06:30
    insertNotice(fx.db, { kind: 'raised', episode: 'n2' });
    await fx.service.tick();
    expect(bodies().map((b) => b.data.alerts[0]?.dedupKey)).toEqual(['dedup-n2']);
  });

  it('in a flood (more than 10 in 10 minutes) pages only critical alarms and puts the rest in one digest', async () => {
    policy([route('all', ['ops'])]);
    for (let i = 0; i < 16; i++) {
      insertNotice(fx.db, {
        kind: 'raised',
        episode: `f${i}`,
        device: `dev-${i}`,
        severity: i === 13 ? 'critical' : 'warning',
      });
    }
    await fx.service.tick();
    fx.clock.advance(60_000);
    await fx.service.tick();
    const triggers = bodies()
      .filter((b) => b.type === 'alarm.trigger')
      .map((b) => b.data.alerts[0]?.dedupKey);
    const digests = bodies().filter((b) => b.type === 'alarm.digest');
    // ten before the flood began; then only the critical one pages
    expect(triggers).toEqual([...Array.from({ length: 10 }, (_, i) => `dedup-f${i}`), 'dedup-f13']);
    expect(digests).toHaveLength(1);
    expect(digests[0]?.data.alerts.map((a) => a.dedupKey).sort()).toEqual(
      ['dedup-f10', 'dedup-f11', 'dedup-f12', 'dedup-f14', 'dedup-f15'].sort(),
    );
  });

  it('escalates to the next stage when nobody acknowledges, and an ack stops the chain', async () => {
    policy([
      route('oncall', [], {
        escalation: {
          stages: [
            { channels: ['ops'], ackTimeoutMs: 300_000 },
            { channels: ['manager'], ackTimeoutMs: 300_000 },
          ],
          repeats: 0,
        },
      }),
    ]);
    insertNotice(fx.db, { kind: 'raised', episode: 'x1', device: 'boiler-1' });
    insertNotice(fx.db, { kind: 'raised', episode: 'x2', device: 'boiler-2' });
    await fx.service.tick();
    expect(bodies().map((b) => b.path)).toEqual(['/ops', '/ops']);
    fx.clock.advance(120_000);
    insertNotice(fx.db, { kind: 'acknowledged', episode: 'x2', device: 'boiler-2' });
    await fx.service.tick();
    fx.clock.advance(180_000);
    await fx.service.tick();
    const sent = () => bodies().map((b) => `${b.path} ${b.type} ${b.data.alerts[0]?.dedupKey}`);
    expect(sent()).toEqual([
      '/ops alarm.trigger dedup-x1',
      '/ops alarm.trigger dedup-x2',
      '/ops alarm.acknowledge dedup-x2',
      '/manager alarm.trigger dedup-x1',
    ]);
    // the last stage timed out too and there are no repeats: nothing more
    fx.clock.advance(600_000);
    await fx.service.tick();
    expect(sent()).toHaveLength(4);
    // the resolve reaches everyone who was paged
    insertNotice(fx.db, { kind: 'ended', episode: 'x1', device: 'boiler-1' });
    await fx.service.tick();
    expect(sent().slice(4).sort()).toEqual([
      '/manager alarm.resolve dedup-x1',
      '/ops alarm.resolve dedup-x1',
    ]);
  });

  it('after an outage: one digest for episodes that began and ended meanwhile, triggers with their start time for the rest', async () => {
    policy([route('all', ['ops'])]);
    down = true;
    const t0 = fx.clock.now();
    insertNotice(fx.db, { kind: 'raised', episode: 'o1', device: 'd1', at: t0 });
    insertNotice(fx.db, { kind: 'raised', episode: 'o2', device: 'd2', at: t0 });
    await fx.service.tick();
    fx.clock.advance(600_000);
    insertNotice(fx.db, { kind: 'ended', episode: 'o1', device: 'd1', at: t0 + 300_000 });
    insertNotice(fx.db, { kind: 'raised', episode: 'o3', device: 'd3', at: t0 + 400_000 });
    insertNotice(fx.db, { kind: 'ended', episode: 'o3', device: 'd3', at: t0 + 500_000 });
    await fx.service.tick();
    const failedSoFar = receiver.received.length;
    down = false;
    fx.clock.advance(3_600_000);
    await fx.service.tick();
    await fx.service.tick();
    const after = bodies().slice(failedSoFar);
    expect(after.map((b) => b.type).sort()).toEqual(['alarm.digest', 'alarm.trigger']);
    const digest = after.find((b) => b.type === 'alarm.digest');
    expect(digest?.data.alerts.map((a) => [a.dedupKey, a.endedAt])).toEqual([
      ['dedup-o1', t0 + 300_000],
      ['dedup-o3', t0 + 500_000],
    ]);
    const trigger = after.find((b) => b.type === 'alarm.trigger');
    expect(trigger?.data.alerts.map((a) => [a.dedupKey, a.episodeStart])).toEqual([['dedup-o2', t0]]);
    expect(fx.service.outbox.list('pending', 10)).toEqual([]);
  });

  it('reminds every repeat interval while the alarm fires unacknowledged, and stops at the ack', async () => {
    policy([route('all', ['ops'], { repeatIntervalMs: 3_600_000 })]);
    insertNotice(fx.db, { kind: 'raised', episode: 'rp' });
    await fx.service.tick();
    fx.clock.advance(3_599_000);
    await fx.service.tick();
    expect(receiver.received).toHaveLength(1);
    fx.clock.advance(1_000);
    await fx.service.tick();
    expect(bodies().map((b) => b.type)).toEqual(['alarm.trigger', 'alarm.trigger']);
    insertNotice(fx.db, { kind: 'acknowledged', episode: 'rp' });
    await fx.service.tick();
    fx.clock.advance(10 * 3_600_000);
    await fx.service.tick();
    expect(bodies().map((b) => b.type)).toEqual(['alarm.trigger', 'alarm.trigger', 'alarm.acknowledge']);
  });

  it('skips a notice it cannot read and delivers the ones after it', async () => {
    policy([route('all', ['ops'])]);
    insertNotice(fx.db, { kind: 'raised', episode: 'ok1' });
    fx.db
      .prepare(
        "INSERT INTO alarm_notices (transition_seq, dedup_key, body, created_at) VALUES (0, 'x', '{not json', 0)",
      )
      .run();
    fx.db
      .prepare(
        "INSERT INTO alarm_notices (transition_seq, dedup_key, body, created_at) VALUES (0, 'y', ?, 0)",
      )
      .run(JSON.stringify({ kind: 'raised', dedupKey: 'y', shadow: false }));
    insertNotice(fx.db, { kind: 'raised', episode: 'ok2', device: 'boiler-9' });
    await fx.service.tick();
    expect(bodies().map((b) => b.data.alerts[0]?.dedupKey)).toEqual(['dedup-ok1', 'dedup-ok2']);
    expect(fx.source.cursor('notify')).toBe(4);
  });

  it('never notifies for a shadow rule', async () => {
    policy([route('all', ['ops'])]);
    insertNotice(fx.db, { kind: 'raised', episode: 'sh', shadow: true });
    insertNotice(fx.db, { kind: 'ended', episode: 'sh', shadow: true });
    await fx.service.tick();
    expect(receiver.received).toHaveLength(0);
    expect(fx.source.cursor('notify')).toBe(2);
  });
});
