/**
 * Over the engine's RPC (real engine, real SQLite file): a stored password or bearer token
 * ("<stored>", never shown again) cannot be sent somewhere new by editing the address it
 * goes to; the save is refused with an error on the secret's field until it is typed
 * again. Nothing listens on the addresses used: no secret is sent anywhere by these tests.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { createEngine, type Engine } from '../engine';
import { silent, tempDataDir } from '../store/test-fixtures';
import { rawClient, transportPair } from '../test-transport';

let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

async function client() {
  engine = await createEngine({ dataDir: tempDataDir('reentry'), demo: false, host: 'test', log: silent });
  const [server, end] = transportPair();
  engine.connect(server);
  return rawClient(end);
}

type Reply = Record<string, unknown>;
const errorOf = (reply: Reply) => reply.error as { code: string; message: string; details?: unknown };

describe('a stored secret must be typed again when where it goes changes', () => {
  test('MQTT connector: new broker URL, CA or certificate check with the password kept → field error', async () => {
    const c = await client();
    const added = await c.call('connectors.add', {
      kind: 'mqtt',
      config: {
        id: 'plant',
        url: 'mqtt://ops:url-secret@127.0.0.1:9',
        username: 'ops',
        password: 'broker-secret',
        subscriptions: [{ topicTemplate: 'plant/{deviceId}/{metric}' }],
      },
    });
    expect(added.error).toBeUndefined();
    const saved = (await c.call('connectors.get', { id: 'plant' })).result as { config: Reply };
    expect(saved.config.password).toBe('<stored>');
    expect(saved.config.url).toBe('mqtt://ops:%3Cstored%3E@127.0.0.1:9');

    const elsewhere = await c.call('connectors.update', {
      id: 'plant',
      config: { ...saved.config, url: 'mqtt://ops:%3Cstored%3E@attacker.example:1883' },
    });
    expect(errorOf(elsewhere).code).toBe('INVALID_PARAMS');
    expect(errorOf(elsewhere).details).toEqual([
      { path: 'password', message: 'Enter the password again: the broker address changed' },
      { path: 'url', message: 'Enter the password in the broker URL again: the broker address changed' },
    ]);

    // the path counts too (a WebSocket broker behind another path is another service)
    const path = await c.call('connectors.update', {
      id: 'plant',
      config: { ...saved.config, url: 'ws://ops:%3Cstored%3E@127.0.0.1:9/other', password: '<stored>' },
    });
    expect(errorOf(path).details).toContainEqual({
      path: 'password',
      message: 'Enter the password again: the broker address changed',
    });
    const trust = await c.call('connectors.update', {
      id: 'plant',
      config: { ...saved.config, ca: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' },
    });
    expect(errorOf(trust).details).toContainEqual({
      path: 'password',
      message: 'Enter the password again: the CA certificate changed',
    });
    const unchecked = await c.call('connectors.update', {
      id: 'plant',
      config: { ...saved.config, rejectUnauthorized: false },
    });
    expect(errorOf(unchecked).details).toContainEqual({
      path: 'password',
      message: 'Enter the password again: the broker certificate check changed',
    });

    // nothing was saved by the refusals
    expect((await c.call('connectors.get', { id: 'plant' })).result).toEqual(saved);

    // the same broker with other settings keeps the stored password; a new broker with it typed again is fine
    const sameBroker = await c.call('connectors.update', {
      id: 'plant',
      config: { ...saved.config, qos: 0 },
    });
    expect(sameBroker.error).toBeUndefined();
    const retyped = await c.call('connectors.update', {
      id: 'plant',
      config: { ...saved.config, url: 'mqtt://127.0.0.1:10', password: 'typed-again' },
    });
    expect(retyped.error).toBeUndefined();
  });

  test('HTTP sink: new endpoint or down-sync URL with the token kept → error on the Authorization field', async () => {
    const c = await client();
    const added = await c.call('sync.addSink', {
      kind: 'http',
      name: 'cloud',
      enabled: false,
      config: { url: 'https://127.0.0.1:9/v1/batches', authorization: 'Bearer cloud-secret' },
    });
    expect(added.error).toBeUndefined();
    const id = (added.result as { id: string }).id;
    const saved = (await c.call('sync.getSink', { id })).result as { config: Reply };
    expect(saved.config.authorization).toBe('<stored>');

    const moves: [Reply, string][] = [
      [{ url: 'https://attacker.example/v1/batches' }, 'the endpoint URL'],
      [{ url: 'https://127.0.0.1:9/v1/other' }, 'the endpoint URL'],
      [{ url: 'http://127.0.0.1:9/v1/batches' }, 'the endpoint URL'],
      [{ downUrl: 'https://attacker.example/down' }, 'the down-sync URL'],
      [{ caPem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' }, 'the CA bundle'],
    ];
    for (const [change, what] of moves) {
      const reply = await c.call('sync.updateSink', { id, config: { ...saved.config, ...change } });
      expect(errorOf(reply).code, what).toBe('INVALID_PARAMS');
      expect(errorOf(reply).details).toEqual([
        { path: 'config.authorization', message: `Enter the Authorization header again: ${what} changed` },
      ]);
    }
    expect((await c.call('sync.getSink', { id })).result).toEqual(saved);

    const retyped = await c.call('sync.updateSink', {
      id,
      config: { ...saved.config, url: 'https://127.0.0.1:10/v1', authorization: 'Bearer new-secret' },
    });
    expect(retyped.error).toBeUndefined();
    const now = (await c.call('sync.getSink', { id })).result as { config: Reply };
    const sameEndpoint = await c.call('sync.updateSink', { id, config: { ...now.config, timeoutMs: 5000 } });
    expect(sameEndpoint.error).toBeUndefined();
  });

  test('MQTT sink: new broker with the password kept → error on the Password field; no password in a URL', async () => {
    const c = await client();
    const added = await c.call('sync.addSink', {
      kind: 'mqtt',
      name: 'uplink',
      enabled: false,
      config: {
        url: 'mqtts://127.0.0.1:9',
        topic: 'fl/{sink}/{kind}',
        username: 'site',
        password: 'mqtt-secret',
      },
    });
    expect(added.error).toBeUndefined();
    const id = (added.result as { id: string }).id;
    const saved = (await c.call('sync.getSink', { id })).result as { config: Reply };

    const moved = await c.call('sync.updateSink', {
      id,
      config: { ...saved.config, url: 'mqtts://attacker.example:8883' },
    });
    expect(errorOf(moved).details).toEqual([
      { path: 'config.password', message: 'Enter the password again: the broker address changed' },
    ]);
    const sameBroker = await c.call('sync.updateSink', {
      id,
      config: { ...saved.config, username: 'other' },
    });
    expect(sameBroker.error).toBeUndefined();

    const inUrl = await c.call('sync.updateSink', {
      id,
      config: { ...saved.config, url: 'mqtts://site:pw@127.0.0.1:9', password: 'x' },
    });
    expect(errorOf(inUrl).details).toEqual([
      { path: 'config.url', message: 'no password in the URL: put it in the Password field' },
    ]);
  });
});
