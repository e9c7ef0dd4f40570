/**
 * A rule's `webhook` edge action on the running demo engine: its alarm's notice is queued on
 * the named webhook channel (Standard Webhooks, signed) even though no notification route
 * sends anything there; a dry run logs and sends nothing; a channel that is not a webhook
 * is refused in the action log.
 */
import { afterEach, beforeEach, expect, test } from 'vitest';
import { waitFor } from '../../connectors/mqtt/mosquitto-harness';
import { createEngine, type Engine } from '../../engine';
import { answerSigned, Receiver } from '../../notify/test-notices';
import { silent, tempDataDir } from '../../store/test-fixtures';
import { rawClient, transportPair } from '../../test-transport';
import { until } from '../../test-until';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
let engine: Engine | undefined;
let receiver: Receiver;

beforeEach(() => {
  receiver = new Receiver();
});
afterEach(async () => {
  await engine?.close();
  engine = undefined;
  await receiver.stop();
});

test('a webhook action queues the alarm on its channel, signed, outside routing; dry run and a wrong channel are logged', async () => {
  const url = await receiver.start();
  receiver.respond = answerSigned(SECRET);
  engine = await createEngine({
    dataDir: tempDataDir('webhook-action'),
    demo: true,
    host: 'test',
    log: silent,
  });
  const [server, end] = transportPair();
  engine.connect(server);
  const client = rawClient(end);
  const hook = {
    id: 'plc-hook',
    name: 'PLC gateway',
    config: { kind: 'webhook', url: `${url}/plc`, secret: SECRET },
  };
  expect((await client.call('notify.channels.save', { channel: hook })).error).toBeUndefined();
  const mqtt = {
    id: 'light',
    name: 'Stack light',
    config: { kind: 'mqtt', connectorId: 'x', topic: 't', payload: 'p' },
  };
  expect((await client.call('notify.channels.save', { channel: mqtt })).error).toBeUndefined();
  // no route and no default channel: only the action can reach the webhook
  await client.call('notify.policy.save', { policy: { routes: [], defaultChannels: [] } });

  const saved = await client.call('alarms.rules.save', {
    rule: {
      id: 'pump-hook',
      name: 'Pump A vibrating',
      target: { deviceIds: ['pump-201'], metric: 'vibration' },
      // the demo pump's vibration never drops below 0: raised on its first reading
      condition: { kind: 'threshold', levels: [{ severity: 'warning', above: { value: 0 } }] },
      actions: [
        { kind: 'webhook', on: ['active'], channelId: 'plc-hook' },
        { kind: 'webhook', on: ['active'], channelId: 'plc-hook', dryRun: true },
        { kind: 'webhook', on: ['active'], channelId: 'light' },
      ],
    },
  });
  expect(saved.error).toBeUndefined();

  await waitFor(() => receiver.received.length > 0, 'the webhook delivery', 15_000);
  const [delivery] = receiver.received;
  expect(delivery?.path).toBe('/plc');
  expect(delivery?.body).toContain('pump-201');
  const log = async () =>
    (await client.call('actions.log', { ruleId: 'pump-hook' })).result as {
      actionIndex: number;
      outcome: string;
      detail: string;
    }[];
  await until('three action outcomes', async () => (await log()).length >= 3);
  const outcomes = Object.fromEntries((await log()).map((o) => [o.actionIndex, o]));
  expect(outcomes[0]).toMatchObject({ outcome: 'done' });
  expect(outcomes[1]).toMatchObject({ outcome: 'dry-run' });
  expect(outcomes[2]).toMatchObject({
    outcome: 'refused',
    detail: 'channel "light" is not a webhook channel',
  });
  // signed with the channel's secret: the receiver answered 204, so the delivery is sent
  await until(
    'the delivery marked sent',
    async () =>
      ((await client.call('notify.deliveries.list', { status: 'sent' })).result as unknown[]).length === 1,
  );
  expect(receiver.received).toHaveLength(1);
});
