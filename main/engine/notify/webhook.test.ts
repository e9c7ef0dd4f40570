/**
 * Standard Webhooks (standardwebhooks.com; spec standard-webhooks.md "Signature scheme"):
 * the published test vector, then a receiver on 127.0.0.1 that verifies every request the
 * way the spec tells consumers to, including that a retry keeps its webhook-id.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sign, verify } from './channels/webhook-signature';
import { insertNotice, openNotify, Receiver } from './test-notices';

// the vector every Standard Webhooks reference library tests against (standard-webhooks/
// standard-webhooks, libraries/*: "testSignFunctionWorks" / sign test)
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe('Standard Webhooks signature', () => {
  it('reproduces the specification test vector', () => {
    expect(sign(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
    expect(
      verify(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body, `v1,bm9wZQ== ${VECTOR.signature}`),
    ).toBe(true);
    expect(verify(VECTOR.secret, VECTOR.id, VECTOR.timestamp + 1, VECTOR.body, VECTOR.signature)).toBe(false);
  });
});

describe('webhook channel', () => {
  let receiver: Receiver;
  let fx: ReturnType<typeof openNotify>;
  let url: string;

  beforeEach(async () => {
    receiver = new Receiver();
    url = await receiver.start();
    fx = openNotify();
    fx.service.channels.save(
      {
        id: 'hook',
        name: 'Plant webhook',
        config: { kind: 'webhook', url: `${url}/alarms`, secret: VECTOR.secret },
      },
      fx.clock.now(),
    );
    fx.service.policies.savePolicy(
      {
        routes: [
          {
            name: 'all',
            matchers: [],
            channels: ['hook'],
            groupBy: ['site'],
            groupWaitMs: 30_000,
            groupIntervalMs: 300_000,
            repeatIntervalMs: 14_400_000,
            minSeverity: 'info',
            continue: false,
          },
        ],
        defaultChannels: [],
        flood: { alarms: 10, windowMs: 600_000 },
        siteTimeZone: 'UTC',
      },
      () => true,
      fx.clock.now(),
    );
  });

  afterEach(async () => {
    await fx.service.close();
    fx.db.close();
    await receiver.stop();
  });

  it('signs every attempt so the receiver verifies it, with the same webhook-id on the retry', async () => {
    let first = true;
    receiver.respond = (r, res) => {
      const ok = verify(
        VECTOR.secret,
        String(r.headers['webhook-id']),
        Number(r.headers['webhook-timestamp']),
        r.body,
        String(r.headers['webhook-signature']),
      );
      res.writeHead(!ok ? 401 : first ? 500 : 200);
      first = false;
      res.end();
    };
    insertNotice(fx.db, { kind: 'raised', episode: 'w1' });
    await fx.service.tick();
    expect(receiver.received).toHaveLength(0);
    fx.clock.advance(30_000);
    await fx.service.tick();
    fx.clock.advance(60_000);
    await fx.service.tick();
    expect(receiver.received).toHaveLength(2);
    const [a, b] = receiver.received;
    expect(a?.headers['webhook-id']).toBe(b?.headers['webhook-id']);
    expect(b?.headers['webhook-timestamp']).not.toBe(a?.headers['webhook-timestamp']);
    expect(fx.service.outbox.list('sent', 10)).toHaveLength(1);
  });

  it('groups alarms raised within the group wait into one message, and never mixes firing with resolved', async () => {
    insertNotice(fx.db, { kind: 'raised', episode: 'g1', device: 'boiler-1' });
    await fx.service.tick();
    fx.clock.advance(10_000);
    insertNotice(fx.db, { kind: 'raised', episode: 'g2', device: 'boiler-2' });
    insertNotice(fx.db, { kind: 'ended', episode: 'g1', device: 'boiler-1' });
    await fx.service.tick();
    expect(receiver.received).toHaveLength(0);
    fx.clock.advance(20_000);
    await fx.service.tick();
    const bodies = () => receiver.received.map((r) => JSON.parse(r.body));
    expect(bodies().map((b) => [b.type, b.data.alerts.length])).toEqual([['alarm.trigger', 2]]);
    // the resolve came within the group's interval: it waits for it, alone in its own message
    fx.clock.advance(300_000);
    await fx.service.tick();
    expect(bodies().map((b) => [b.type, b.data.status, b.data.alerts.length])).toEqual([
      ['alarm.trigger', 'firing', 2],
      ['alarm.resolve', 'resolved', 1],
    ]);
  });
});
