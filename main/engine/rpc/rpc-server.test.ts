/**
 * What the RPC server tells a client when a request goes wrong: bounded free-form params
 * are refused as INVALID_PARAMS in plain words (a deeply nested desiredConfig once reached
 * SQLite and came back as INTERNAL with the CHECK constraint's SQL), and an unexpected
 * failure answers INTERNAL with a log reference, its text (SQL included) only in the log.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { MAX_JSON_CHARS, MAX_JSON_DEPTH } from '../../../common/bounded-json';
import { createEngine, type Engine } from '../engine';
import { createLogger } from '../log';
import { openTestDb, silent, tempDataDir } from '../store/test-fixtures';
import { rawClient, transportPair } from '../test-transport';
import { type RequestHandlers, RpcServer, type StreamSources } from './rpc-server';

let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 1 };
  for (let i = 1; i < depth; i++) value = { a: value };
  return value;
}

type Reply = { result?: unknown; error?: { code: string; message: string; details?: unknown } };

describe('RPC errors', () => {
  test('registry.update: a desiredConfig nested too deep or too long is INVALID_PARAMS, never INTERNAL', async () => {
    engine = await createEngine({
      dataDir: tempDataDir('rpc-errors'),
      demo: true,
      host: 'test',
      log: silent,
    });
    const [server, end] = transportPair();
    engine.connect(server);
    const client = rawClient(end);
    const deviceId = 'pump-201';
    await expect
      .poll(async () => ((await client.call('registry.get', { deviceId })) as Reply).error)
      .toBeUndefined();

    // 1001 levels: past SQLite's JSON depth limit, where the CHECK constraint used to fail with its SQL
    for (const depth of [MAX_JSON_DEPTH + 1, 1001]) {
      const reply = (await client.call('registry.update', {
        deviceId,
        desiredConfig: nested(depth),
      })) as Reply;
      expect(reply.error?.code).toBe('INVALID_PARAMS');
      expect(reply.error?.details).toEqual([
        { path: 'desiredConfig', message: `nested more than ${MAX_JSON_DEPTH} levels deep` },
      ]);
      expect(reply.error?.message).not.toMatch(/json_valid|CHECK|constraint|SQL/i);
    }
    const long = (await client.call('registry.update', {
      deviceId,
      desiredConfig: { blob: 'x'.repeat(MAX_JSON_CHARS) },
    })) as Reply;
    expect(long.error?.code).toBe('INVALID_PARAMS');
    expect(long.error?.details).toEqual([
      { path: 'desiredConfig', message: `longer than ${MAX_JSON_CHARS} characters as JSON` },
    ]);

    // at the bound it is a configuration like any other
    const ok = (await client.call('registry.update', {
      deviceId,
      desiredConfig: nested(MAX_JSON_DEPTH),
    })) as Reply;
    expect(ok.error).toBeUndefined();
    const device = (await client.call('registry.get', { deviceId })) as {
      result: { desiredConfig: unknown };
    };
    expect(device.result.desiredConfig).toEqual(nested(MAX_JSON_DEPTH));
  });

  test('a handler failing inside SQLite: INTERNAL with a log reference; the SQL is logged, not sent', async () => {
    const { db } = openTestDb('rpc-internal');
    const lines: string[] = [];
    const log = createLogger({ level: 'error', write: (line) => lines.push(line) });
    const handlers = {
      'engine.info': () => db.prepare("INSERT INTO no_such_table (secret) VALUES ('top-secret')").run(),
    } as unknown as RequestHandlers;
    const rpc = new RpcServer(handlers, {} as StreamSources, log);
    const [server, end] = transportPair();
    rpc.attach(server);
    const reply = (await rawClient(end).call('engine.info')) as Reply;
    expect(reply.error?.code).toBe('INTERNAL');
    const ref = /ref ([0-9a-f]{8})\)$/.exec(reply.error?.message ?? '')?.[1];
    expect(reply.error?.message).toBe(
      `engine.info failed: an error inside the engine (its log has the detail, ref ${ref})`,
    );
    expect(JSON.stringify(reply)).not.toMatch(/no_such_table|INSERT|top-secret/);
    const logged = lines.map((l) => JSON.parse(l) as Record<string, string>).find((l) => l.ref === ref);
    expect(logged?.error).toMatch(/no such table: no_such_table/);
    db.close();
  });

  test('any other handler error keeps its message for the user, with the log reference', async () => {
    const log = createLogger({ level: 'silent' });
    const handlers = {
      'engine.info': () => {
        throw new Error('cannot open /dev/ttyUSB0: permission denied');
      },
    } as unknown as RequestHandlers;
    const rpc = new RpcServer(handlers, {} as StreamSources, log);
    const [server, end] = transportPair();
    rpc.attach(server);
    const reply = (await rawClient(end).call('engine.info')) as Reply;
    expect(reply.error?.message).toMatch(
      /^engine\.info failed: cannot open \/dev\/ttyUSB0: permission denied \(its log has the detail, ref [0-9a-f]{8}\)$/,
    );
  });
});
