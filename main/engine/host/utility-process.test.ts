import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MessageTransport } from '../../../common/protocol';
import type { Engine, EngineOptions } from '../engine-types';
import { createLogger } from '../log';
import type { MessagePortLike } from './message-port-transport';
import {
  type EngineHostDeps,
  EngineHostUsageError,
  type ParentPortLike,
  parseEngineHostArgs,
  resolveResourcesDir,
  runEngineHost,
} from './utility-process';

// the real engine is not needed (nor started) here
vi.mock('../engine', () => ({
  createEngine: () => Promise.reject(new Error('the real engine is not used in this test')),
}));

function electronShaped(port: MessagePort): MessagePortLike {
  return {
    on(event: 'message' | 'close', listener: (event: { data: unknown }) => void) {
      if (event === 'message') port.on('message', (data: unknown) => listener({ data }));
      else port.on('close', () => (listener as () => void)());
      return this;
    },
    start: () => port.start(),
    postMessage: (message) => port.postMessage(message),
    close: () => port.close(),
  } as MessagePortLike;
}

class FakeParentPort extends EventEmitter implements ParentPortLike {
  sent: unknown[] = [];
  postMessage(message: unknown) {
    this.sent.push(message);
  }
  deliver(data: unknown, ports: MessagePortLike[] = []) {
    this.emit('message', { data, ports });
  }
}

function fakeEngine() {
  const transports: MessageTransport[] = [];
  const engine = {
    info: () => ({ host: 'electron' }),
    connect: vi.fn((transport: MessageTransport) => {
      transports.push(transport);
      // a stand-in RPC server: answers every request with its method name
      transport.onMessage((message) => {
        const { id, method } = message as { id: number; method: string };
        transport.send({ id, result: method });
      });
      return () => {};
    }),
    close: vi.fn(async () => {}),
  };
  return { engine: engine as unknown as Engine & typeof engine, transports };
}

const ports: MessagePort[] = [];
afterEach(() => {
  for (const port of ports.splice(0)) port.close();
});

function deps(overrides: Partial<EngineHostDeps> = {}) {
  const exit = vi.fn();
  const { engine, transports } = fakeEngine();
  const create = vi.fn(async (_options: EngineOptions) => engine);
  const all: EngineHostDeps = {
    createEngine: create,
    log: createLogger({ level: 'silent' }),
    exit,
    codeDir: '/repo/out/main',
    ...overrides,
  };
  return { deps: all, exit, engine, transports, create };
}

/** Runs the host the way the main process does: the start message first (queued by Electron until a listener exists). */
async function started(
  parent: FakeParentPort,
  argv: string[],
  d: EngineHostDeps,
  message: unknown = { type: 'start' },
): Promise<void> {
  const running = runEngineHost(parent, argv, d);
  parent.deliver(message);
  await running;
}

describe('parseEngineHostArgs', () => {
  it('reads --data-dir, --resources-dir and --no-demo among other argv entries', () => {
    expect(
      parseEngineHostArgs(['/usr/bin/electron', '/app/out/main/engine-host.js', '--data-dir', '/d']),
    ).toEqual({ dataDir: '/d', demo: true });
    expect(
      parseEngineHostArgs(['--type=utility', '--data-dir=/d', '--no-demo', '--resources-dir', '/r']),
    ).toEqual({
      dataDir: '/d',
      demo: false,
      resourcesDir: '/r',
    });
  });

  it('refuses a missing data dir or a flag without its value', () => {
    expect(() => parseEngineHostArgs(['--no-demo'])).toThrow(EngineHostUsageError);
    expect(() => parseEngineHostArgs(['--data-dir'])).toThrow(/--data-dir needs a folder/);
    expect(() => parseEngineHostArgs(['--data-dir', '--no-demo'])).toThrow(/--data-dir needs a folder/);
  });
});

describe('resolveResourcesDir', () => {
  it('prefers the folder the main process passed, then resourcesPath/resources inside a packaged app', () => {
    const resourcesPath = mkdtempSync(path.join(os.tmpdir(), 'fieldline-res-'));
    try {
      mkdirSync(path.join(resourcesPath, 'resources'));
      const args = { dataDir: '/d', demo: true };
      expect(resolveResourcesDir({ ...args, resourcesDir: '/given' }, resourcesPath, '/x')).toBe('/given');
      expect(
        resolveResourcesDir(args, resourcesPath, path.join(resourcesPath, 'app.asar', 'out', 'main')),
      ).toBe(path.join(resourcesPath, 'resources'));
      // not packaged (running from the repo): the engine finds resources/ from its code
      expect(resolveResourcesDir(args, resourcesPath, '/repo/out/main')).toBeUndefined();
      expect(resolveResourcesDir(args, undefined, '/app.asar/out/main')).toBeUndefined();
    } finally {
      rmSync(resourcesPath, { recursive: true, force: true });
    }
  });
});

describe('runEngineHost', () => {
  it('starts the engine for Electron with the parsed options and says ready', async () => {
    const parent = new FakeParentPort();
    const { deps: d, create } = deps();
    await started(parent, ['--data-dir', '/data', '--no-demo', '--resources-dir', '/res'], d);
    expect(create).toHaveBeenCalledTimes(1);
    const options = create.mock.calls[0]![0];
    expect(options).toMatchObject({ dataDir: '/data', demo: false, host: 'electron', resourcesDir: '/res' });
    expect(parent.sent).toEqual([{ type: 'ready', info: { host: 'electron' } }]);
  });

  it('serves a connect port as a MessageTransport: requests in, responses out', async () => {
    const parent = new FakeParentPort();
    const { deps: d, engine } = deps();
    await started(parent, ['--data-dir', '/data'], d);

    const { port1, port2 } = new MessageChannel();
    ports.push(port1, port2);
    parent.deliver({ type: 'connect' }, [electronShaped(port1)]);
    await vi.waitFor(() => expect(engine.connect).toHaveBeenCalledTimes(1));

    const answer = new Promise((resolve) => port2.once('message', resolve));
    port2.postMessage({ id: 7, method: 'devices.list' });
    expect(await answer).toEqual({ id: 7, result: 'devices.list' });
  });

  it('holds a connect that arrives during start-up until the engine is ready', async () => {
    const parent = new FakeParentPort();
    let finishStart: (engine: Engine) => void = () => {};
    const { deps: d, engine } = deps();
    d.createEngine = () =>
      new Promise<Engine>((resolve) => {
        finishStart = resolve;
      });
    const running = runEngineHost(parent, ['--data-dir', '/data'], d);
    parent.deliver({ type: 'start' });

    const { port1, port2 } = new MessageChannel();
    ports.push(port1, port2);
    parent.deliver({ type: 'connect' }, [electronShaped(port1)]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(engine.connect).not.toHaveBeenCalled();

    finishStart(engine);
    await running;
    await vi.waitFor(() => expect(engine.connect).toHaveBeenCalledTimes(1));
  });

  it('ignores unknown messages and a connect without a port', async () => {
    const parent = new FakeParentPort();
    const { deps: d, engine, exit } = deps();
    await started(parent, ['--data-dir', '/data'], d);
    parent.deliver({ type: 'connect' });
    parent.deliver('connect');
    parent.deliver({ type: 'something-else' }, []);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(engine.connect).not.toHaveBeenCalled();
    expect(exit).not.toHaveBeenCalled();
  });

  it('shutdown closes the engine, exits 0, and later ports are closed, not served', async () => {
    const parent = new FakeParentPort();
    const { deps: d, engine, exit } = deps();
    await started(parent, ['--data-dir', '/data'], d);
    parent.deliver({ type: 'shutdown' });
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(0));
    expect(engine.close).toHaveBeenCalledTimes(1);

    const { port1, port2 } = new MessageChannel();
    ports.push(port1, port2);
    const closed = new Promise<void>((resolve) => port2.once('close', () => resolve()));
    parent.deliver({ type: 'connect' }, [electronShaped(port1)]);
    await closed;
    expect(engine.connect).not.toHaveBeenCalled();
  });

  it('hands the master key from the start message to the engine, never from argv', async () => {
    const parent = new FakeParentPort();
    const { deps: d, create } = deps();
    const key = Buffer.alloc(32, 0xab);
    await started(parent, ['--data-dir', '/data'], d, {
      type: 'start',
      masterKey: key.toString('base64'),
      masterKeyProtection: 'Electron safeStorage (gnome_libsecret)',
    });
    const options = create.mock.calls[0]![0];
    expect(options.masterKey?.bytes().equals(key)).toBe(true);
    expect(options.masterKeyProtection).toBe('Electron safeStorage (gnome_libsecret)');
    // without a key the engine keeps its own key file
    const plain = deps();
    await started(new FakeParentPort(), ['--data-dir', '/data'], plain.deps);
    expect(plain.create.mock.calls[0]![0].masterKey).toBeUndefined();
  });

  it('waits for the start message, refuses a malformed key and gives up without one', async () => {
    const parent = new FakeParentPort();
    const waiting = deps();
    const running = runEngineHost(parent, ['--data-dir', '/data'], waiting.deps);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(waiting.create).not.toHaveBeenCalled();
    parent.deliver({ type: 'start' });
    await running;
    expect(waiting.create).toHaveBeenCalledTimes(1);

    for (const masterKey of [
      'short',
      Buffer.alloc(16).toString('base64'),
      42,
      `${Buffer.alloc(32).toString('base64')}!`,
    ]) {
      const bad = deps();
      await started(new FakeParentPort(), ['--data-dir', '/data'], bad.deps, { type: 'start', masterKey });
      expect(bad.exit).toHaveBeenCalledWith(2);
      expect(bad.create).not.toHaveBeenCalled();
    }

    const silentParent = deps({ startTimeoutMs: 20 });
    await runEngineHost(new FakeParentPort(), ['--data-dir', '/data'], silentParent.deps);
    expect(silentParent.exit).toHaveBeenCalledWith(2);
    expect(silentParent.create).not.toHaveBeenCalled();
  });

  it('a shutdown before the start message exits 0 without starting the engine', async () => {
    const parent = new FakeParentPort();
    const { deps: d, create, exit } = deps();
    const running = runEngineHost(parent, ['--data-dir', '/data'], d);
    parent.deliver({ type: 'shutdown' });
    parent.deliver({ type: 'start' });
    await running;
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(0));
    expect(create).not.toHaveBeenCalled();
  });

  it('exits 2 on bad arguments and 1 when the engine cannot start', async () => {
    const bad = deps();
    await started(new FakeParentPort(), ['--no-demo'], bad.deps);
    expect(bad.exit).toHaveBeenCalledWith(2);
    expect(bad.create).not.toHaveBeenCalled();

    const failing = deps({ createEngine: () => Promise.reject(new Error('SQLITE_CANTOPEN')) });
    const parent = new FakeParentPort();
    await started(parent, ['--data-dir', '/data'], failing.deps);
    expect(failing.exit).toHaveBeenCalledWith(1);
    expect(parent.sent).toEqual([]);
  });
});
