/**
 * PagerDuty Events API v2 against an endpoint that enforces the documented rules
 * (developer.pagerduty.com, Events API v2: "Send an Alert Event" and "Send a Change Event";
 * PagerDuty/developer-docs docs/events-API-v2/02-Trigger-Events.md, 01-Overview.md,
 * 05-Rate-Limits.md): routing_key the 32-character integration key; event_action one of
 * trigger, acknowledge, resolve; dedup_key at most 255 characters and required to
 * acknowledge or resolve; a trigger's payload needs summary (at most 1024 characters),
 * source and severity (critical, error, warning, info); timestamp is ISO 8601. Answers:
 * 202 accepted, 400 invalid event (do not retry), 429 throttled (retry later), 5xx retry.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_ATTEMPTS } from './delivery-outbox';
import { insertNotice, openNotify, type Received, Receiver } from './test-notices';

const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';

/** the endpoint's verdict on one request body, per the Events API v2 documentation */
function pagerDutyErrors(r: Received): string[] {
  const errors: string[] = [];
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(r.body) as Record<string, unknown>;
  } catch {
    return ['body is not JSON'];
  }
  if (typeof event.routing_key !== 'string' || event.routing_key.length !== 32)
    errors.push('routing_key must be 32 characters');
  const payload = event.payload as Record<string, unknown> | undefined;
  if (r.path === '/v2/change/enqueue') {
    if (typeof payload?.summary !== 'string' || payload.summary.length > 1024) errors.push('change summary');
    return errors;
  }
  const action = event.event_action;
  if (action !== 'trigger' && action !== 'acknowledge' && action !== 'resolve') errors.push('event_action');
  const dedup = event.dedup_key;
  if (dedup !== undefined && (typeof dedup !== 'string' || dedup.length > 255))
    errors.push('dedup_key too long');
  if (action !== 'trigger' && typeof dedup !== 'string') errors.push('dedup_key required');
  if (action === 'trigger') {
    if (
      typeof payload?.summary !== 'string' ||
      payload.summary.length === 0 ||
      payload.summary.length > 1024
    ) {
      errors.push('payload.summary must be 1 to 1024 characters');
    }
    if (typeof payload?.source !== 'string' || payload.source.length === 0)
      errors.push('payload.source required');
    if (!['critical', 'error', 'warning', 'info'].includes(payload?.severity as string))
      errors.push('payload.severity');
    if (payload?.timestamp !== undefined && Number.isNaN(Date.parse(payload.timestamp as string))) {
      errors.push('payload.timestamp must be ISO 8601');
    }
  }
  return errors;
}

let receiver: Receiver;
let url: string;
let fx: ReturnType<typeof openNotify>;
interface SentEvent {
  event_action?: string;
  dedup_key?: string;
  payload: Record<string, unknown>;
}
const events = () => receiver.received.map((r) => JSON.parse(r.body) as SentEvent);

beforeEach(async () => {
  receiver = new Receiver();
  receiver.respond = (r, res) => {
    const errors = pagerDutyErrors(r);
    if (errors.length > 0) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'invalid event', message: 'Event object is invalid', errors }));
      return;
    }
    res.writeHead(202, { 'content-type': 'application/json' });
    res.end('{"status":"success","message":"Event processed"}');
  };
  url = await receiver.start();
  fx = openNotify();
  fx.service.channels.save(
    {
      id: 'pd',
      name: 'On call',
      config: { kind: 'pagerduty', endpoint: `${url}/v2/enqueue`, routingKey: ROUTING_KEY },
    },
    fx.clock.now(),
  );
  fx.service.policies.savePolicy(
    { routes: [], defaultChannels: ['pd'], flood: { alarms: 10, windowMs: 600_000 }, siteTimeZone: 'UTC' },
    () => true,
    fx.clock.now(),
  );
});

afterEach(async () => {
  await fx.service.close();
  fx.db.close();
  await receiver.stop();
});

describe('PagerDuty Events API v2', () => {
  it('triggers, acknowledges and resolves one incident per episode, in order, with the documented fields', async () => {
    const start = fx.clock.now() - 3_600_000;
    insertNotice(fx.db, { kind: 'raised', episode: 'e1', severity: 'high', episodeStart: start });
    insertNotice(fx.db, { kind: 'acknowledged', episode: 'e1' });
    insertNotice(fx.db, { kind: 'ended', episode: 'e1' });
    await fx.service.tick();
    await fx.service.tick();
    await fx.service.tick();
    const sent = events();
    expect(sent.map((e) => e.event_action)).toEqual(['trigger', 'acknowledge', 'resolve']);
    expect(new Set(sent.map((e) => e.dedup_key))).toEqual(new Set(['dedup-e1']));
    expect(sent[0]?.payload).toMatchObject({
      summary: 'boiler-3 temperature 91.2 °C above 85 °C',
      source: 'boiler-3',
      severity: 'error',
      // a trigger sent late carries the time the episode began
      timestamp: new Date(start).toISOString(),
    });
    expect(fx.service.outbox.list('dead', 10)).toEqual([]);
  });

  it('cuts a summary longer than 1024 characters instead of having the event refused', async () => {
    insertNotice(fx.db, { kind: 'raised', episode: 'long' });
    fx.db.prepare("UPDATE alarm_notices SET body = json_set(body, '$.summary', ?)").run('x'.repeat(3000));
    await fx.service.tick();
    expect(receiver.received).toHaveLength(1);
    expect(String(events()[0]?.payload.summary).length).toBe(1024);
    expect(fx.service.outbox.list('sent', 10)).toHaveLength(1);
  });

  it('honours 429 Retry-After and sends nothing before it', async () => {
    let throttled = false;
    const enforce = receiver.respond;
    receiver.respond = (r, res) => {
      if (!throttled) {
        throttled = true;
        res.writeHead(429, { 'retry-after': '120' });
        res.end(
          '{"status":"throttle event","message":"Requests for this service are arriving too quickly."}',
        );
        return;
      }
      enforce(r, res);
    };
    insertNotice(fx.db, { kind: 'raised', episode: 'e2' });
    await fx.service.tick();
    expect(receiver.received).toHaveLength(1);
    const [row] = fx.service.outbox.list('pending', 10);
    expect(row?.nextAttemptAt).toBe(fx.clock.now() + 120_000);
    fx.clock.advance(119_000);
    await fx.service.tick();
    expect(receiver.received).toHaveLength(1);
    fx.clock.advance(1_000);
    await fx.service.tick();
    expect(receiver.received).toHaveLength(2);
    expect(fx.service.outbox.list('sent', 10)).toHaveLength(1);
  });

  it('retries 5xx with growing delays, keeps the acknowledge behind its trigger, and dead-letters after the last attempt', async () => {
    receiver.respond = (_r, res) => {
      res.writeHead(503);
      res.end('unavailable');
    };
    insertNotice(fx.db, { kind: 'raised', episode: 'e3' });
    insertNotice(fx.db, { kind: 'acknowledged', episode: 'e3' });
    const delays: number[] = [];
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      await fx.service.tick();
      const pending = fx.service.outbox.list('pending', 10).find((d) => d.kind === 'trigger');
      if (pending?.nextAttemptAt) {
        delays.push(pending.nextAttemptAt - fx.clock.now());
        fx.clock.t = pending.nextAttemptAt;
      }
    }
    // only the trigger was ever attempted: the acknowledge waits for it
    expect(receiver.received.every((r) => JSON.parse(r.body).event_action === 'trigger')).toBe(true);
    expect(receiver.received).toHaveLength(MAX_ATTEMPTS);
    expect(delays[1]).toBeGreaterThan(delays[0] ?? Infinity);
    const dead = fx.service.outbox.list('dead', 10);
    expect(dead.map((d) => [d.kind, d.attempts])).toEqual([['trigger', MAX_ATTEMPTS]]);
    expect(dead[0]?.lastError).toMatch(/503/);
  });

  it('dead-letters a 400 at once (retrying cannot help) and sends it again when retried by hand', async () => {
    fx.db
      .prepare('UPDATE notify_channels SET config = ?')
      .run(JSON.stringify({ endpoint: `${url}/v2/enqueue` }));
    // a 33-character key slipped past: the endpoint refuses it as the docs say it would
    fx.secrets.put('notify/pd', `${ROUTING_KEY}X`);
    insertNotice(fx.db, { kind: 'raised', episode: 'e4' });
    await fx.service.tick();
    const [dead] = fx.service.outbox.list('dead', 10);
    expect(dead).toMatchObject({ attempts: 1, status: 'dead' });
    expect(dead?.lastError).toMatch(/routing_key must be 32 characters/);
    fx.secrets.put('notify/pd', ROUTING_KEY);
    fx.service.outbox.retry([dead?.id ?? 0], fx.clock.now());
    await fx.service.tick();
    expect(fx.service.outbox.list('sent', 10)).toHaveLength(1);
  });

  it('stays at 100 events a minute per routing key', async () => {
    for (let i = 0; i < 150; i++) insertNotice(fx.db, { kind: 'raised', episode: `burst-${i}` });
    // the flood rule would digest these; this test is about the rate limit alone
    fx.service.policies.savePolicy(
      {
        routes: [],
        defaultChannels: ['pd'],
        flood: { alarms: 1000, windowMs: 600_000 },
        siteTimeZone: 'UTC',
      },
      () => true,
      fx.clock.now(),
    );
    await fx.service.tick();
    expect(receiver.received).toHaveLength(100);
    fx.clock.advance(30_000);
    await fx.service.tick();
    expect(receiver.received).toHaveLength(150);
  });

  it('survives a restart: what was waiting is sent once, the notices are not read twice', async () => {
    receiver.respond = (_r, res) => {
      res.writeHead(502);
      res.end();
    };
    insertNotice(fx.db, { kind: 'raised', episode: 'e5' });
    await fx.service.tick();
    expect(receiver.received).toHaveLength(1);
    await fx.service.close();
    fx.db.close();
    const clock = fx.clock;
    fx = openNotify(fx.dataDir, clock);
    receiver.respond = (_r, res) => {
      res.writeHead(202);
      res.end();
    };
    clock.advance(60_000);
    await fx.service.tick();
    await fx.service.tick();
    expect(receiver.received).toHaveLength(2);
    expect(fx.service.outbox.list(undefined, 10).map((d) => d.status)).toEqual(['sent']);
  });
});
