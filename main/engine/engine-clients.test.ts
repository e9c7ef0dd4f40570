import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, expect, test } from 'vitest';
import { createEngine, type Engine } from './engine';
import { createLogger } from './log';
import { rawClient, transportPair } from './test-transport';

// a full collection on demand, so "released" is a fact rather than a hope
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const log = createLogger({ level: 'silent' });
let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

/** A client that subscribes, then goes away; its host drops the detach function, as the Electron engine host does. */
async function connectAndGoAway(e: Engine): Promise<WeakRef<object>> {
  const [server, client] = transportPair();
  e.connect(server);
  const c = rawClient(client);
  await c.call('stream.subscribe', { stream: 'devices.changed' });
  client.close();
  return new WeakRef(server);
}

test('a client that went away is released, even when its host never calls detach', async () => {
  engine = await createEngine({
    dataDir: mkdtempSync(path.join(os.tmpdir(), 'fieldline-clients-')),
    demo: false,
    host: 'test',
    log,
  });
  const gone: WeakRef<object>[] = [];
  for (let i = 0; i < 5; i++) gone.push(await connectAndGoAway(engine));
  // WeakRefs made in this job are kept alive until it ends
  await new Promise((r) => setTimeout(r, 20));
  gc();
  expect(gone.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
});
