/**
 * The notifications RPC through a real engine: secrets are write-only and asked for again
 * when the destination changes, "send a test" answers with the endpoint's reply, policy and
 * silences are validated, and a notice the alarm engine journals reaches the webhook and
 * the app's desktop stream.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../connectors/mqtt/mosquitto-harness';
import { createEngine, type Engine } from '../engine';
import { DATABASE_FILE } from '../store/database';
import { silent, tempDataDir } from '../store/test-fixtures';
import { rawClient, transportPair } from '../test-transport';
import { answerSigned, insertNotice, Receiver } from './test-notices';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

let engine: Engine;
let client: ReturnType<typeof rawClient>;
let receiver: Receiver;
let url: string;
let dataDir: string;

beforeEach(async () => {
  receiver = new Receiver();
  receiver.respond = answerSigned(SECRET);
  url = await receiver.start();
  dataDir = tempDataDir('notify-rpc');
  engine = await createEngine({ dataDir, demo: false, host: 'test', log: silent });
  const [server, end] = transportPair();
  engine.connect(server);
  client = rawClient(end);
});

afterEach(async () => {
  await engine.close();
  await receiver.stop();
});

const hook = (over: Record<string, unknown> = {}) => ({
  channel: { id: 'hook', name: 'Plant webhook', config: { kind: 'webhook', url: `${url}/a`, ...over } },
});

describe('notify RPC', () => {
  it('keeps secrets write-only and asks for them again when the destination changes', async () => {
    const saved = await client.call('notify.channels.save', hook({ secret: SECRET }));
    expect(saved.result).toMatchObject({ id: 'hook', hasSecret: true, kind: 'webhook' });
    expect(JSON.stringify(saved.result)).not.toContain('MfKQ9r8');
    // same URL, no secret: the stored one is kept
    expect((await client.call('notify.channels.save', hook())).result).toMatchObject({ hasSecret: true });
    const moved = await client.call('notify.channels.save', hook({ url: 'https://elsewhere.example/hook' }));
    expect(moved.error).toMatchObject({
      code: 'INVALID_PARAMS',
      message: 'Enter the signing secret again: the URL changed',
    });
    const list = (await client.call('notify.channels.list')).result as { config: Record<string, unknown> }[];
    expect(list[0]?.config.url).toBe(`${url}/a`);
    const pd = await client.call('notify.channels.save', {
      channel: { id: 'pd', name: 'PD', config: { kind: 'pagerduty', routingKey: 'too-short' } },
    });
    expect(pd.error).toMatchObject({ code: 'INVALID_PARAMS' });
  });

  it('sends a test and reports the endpoint answer', async () => {
    await client.call('notify.channels.save', hook({ secret: SECRET }));
    expect((await client.call('notify.channels.test', { channelId: 'hook' })).result).toEqual({
      ok: true,
      detail: '204',
    });
    receiver.respond = (_r, res) => {
      res.writeHead(410);
      res.end('gone');
    };
    expect((await client.call('notify.channels.test', { channelId: 'hook' })).result).toEqual({
      ok: false,
      detail: 'refused: 410 gone',
    });
    const [summary] = (await client.call('notify.channels.list')).result as { lastResult: { ok: boolean } }[];
    expect(summary?.lastResult.ok).toBe(false);
  });

  it('refuses a policy naming an unknown channel or time zone, and a silence with a pattern that could hang', async () => {
    const bad = await client.call('notify.policy.save', {
      policy: { routes: [], defaultChannels: ['nope'] },
    });
    expect(bad.error).toMatchObject({ code: 'INVALID_PARAMS', message: 'there is no channel "nope"' });
    const tz = await client.call('notify.policy.save', {
      policy: { routes: [], siteTimeZone: 'Mars/Olympus' },
    });
    expect(tz.error).toMatchObject({ code: 'INVALID_PARAMS' });
    const twice = await client.call('notify.policy.save', {
      policy: { routes: [{ name: 'ops' }, { name: 'ops' }] },
    });
    expect(twice.error).toMatchObject({
      code: 'INVALID_PARAMS',
      message: 'two routes are called "ops": each route needs its own name',
    });
    const silence = await client.call('notify.silences.save', {
      silence: {
        matchers: [{ label: 'device', op: '=~', value: '(a+)+' }],
        startsAt: 1,
        endsAt: 2,
        comment: 'x',
      },
    });
    expect(silence.error).toMatchObject({ code: 'INVALID_PARAMS' });
    const ok = await client.call('notify.silences.save', {
      silence: {
        matchers: [{ label: 'rule', op: '=', value: 'future-rule' }],
        startsAt: 1,
        endsAt: 2,
        comment: 'maintenance',
      },
    });
    expect(ok.result).toMatchObject({ id: expect.any(String) });
    expect((await client.call('notify.silences.list')).result).toMatchObject([{ comment: 'maintenance' }]);
  });

  it('delivers a journaled notice to the webhook and to the desktop stream', async () => {
    await client.call('notify.channels.save', hook({ secret: SECRET }));
    await client.call('notify.policy.save', { policy: { routes: [], defaultChannels: ['hook'] } });
    await client.call('stream.subscribe', { stream: 'notify.desktop' });
    // the alarm engine's write, from another connection to the same file
    const db = new Database(path.join(dataDir, DATABASE_FILE));
    try {
      insertNotice(db, { kind: 'raised', episode: 'rpc1', severity: 'critical', at: Date.now() });
    } finally {
      db.close();
    }
    await waitFor(() => receiver.received.length > 0, 'the webhook delivery', 10_000);
    await waitFor(
      () => client.received.some((m) => m.stream === 'notify.desktop'),
      'the desktop event',
      10_000,
    );
    const desktop = client.received.find((m) => m.stream === 'notify.desktop');
    expect(desktop?.data).toMatchObject({ dedupKey: 'dedup-rpc1', severity: 'critical' });
    // the receiver has the request before the engine has recorded the answer: ask until it has
    let sent: unknown[] = [];
    const deadline = Date.now() + 10_000;
    while (sent.length === 0 && Date.now() < deadline) {
      sent = (await client.call('notify.deliveries.list', { status: 'sent' })).result as unknown[];
      if (sent.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(sent).toHaveLength(1);
  });
});
