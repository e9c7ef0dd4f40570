import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => ({}));

import type { ForkOptions, MessagePortMain } from 'electron';
import { createLogger } from '../engine/log';
import { type EngineChild, EngineProcess, type EngineProcessOptions, engineArgs } from './engine-process';

class FakeChild extends EventEmitter implements EngineChild {
  static pids = 100;
  pid = FakeChild.pids++;
  stdout = new PassThrough();
  stderr = new PassThrough();
  posted: { message: unknown; transfer: unknown[] | undefined }[] = [];
  postMessage = vi.fn((message: unknown, transfer?: MessagePortMain[]) => {
    this.posted.push({ message, transfer });
  });
  kill = vi.fn(() => true);
  exit(code: number) {
    this.emit('exit', code);
  }
}

function fakePort(name: string) {
  return { name, close: vi.fn() } as unknown as MessagePortMain & {
    name: string;
    close: ReturnType<typeof vi.fn>;
  };
}

function setup(overrides: Partial<EngineProcessOptions> = {}) {
  const children: FakeChild[] = [];
  const fork = vi.fn((_modulePath: string, _args: string[], _options: ForkOptions) => {
    const child = new FakeChild();
    children.push(child);
    return child;
  });
  const log = { ...createLogger({ level: 'silent' }), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  const onRestart = vi.fn();
  const onGiveUp = vi.fn();
  const engine = new EngineProcess({
    modulePath: '/app/out/main/engine-host.js',
    args: ['--data-dir', '/data'],
    fork,
    log,
    onRestart,
    onGiveUp,
    ...overrides,
  });
  return { engine, fork, children, log, onRestart, onGiveUp };
}

const START = { message: { type: 'start' }, transfer: undefined };

afterEach(() => {
  vi.useRealTimers();
});

describe('engineArgs', () => {
  it('passes the data dir, --no-demo and the resources dir', () => {
    expect(engineArgs({ dataDir: '/u/data', demo: true })).toEqual(['--data-dir', '/u/data']);
    expect(engineArgs({ dataDir: '/u/data', demo: false, resourcesDir: '/r' })).toEqual([
      '--data-dir',
      '/u/data',
      '--no-demo',
      '--resources-dir',
      '/r',
    ]);
  });
});

describe('EngineProcess', () => {
  it('forks the engine host as a named utility process with piped output', () => {
    const { engine, fork } = setup();
    engine.start();
    engine.start();
    expect(fork).toHaveBeenCalledTimes(1);
    expect(fork).toHaveBeenCalledWith('/app/out/main/engine-host.js', ['--data-dir', '/data'], {
      serviceName: 'Fieldline engine',
      stdio: 'pipe',
    });
    expect(engine.state).toBe('running');
  });

  it('sends the master key in the start message at every (re)start, never in argv or env', () => {
    vi.useFakeTimers();
    const { engine, fork, children } = setup({ firstRestartDelayMs: 10 });
    const masterKey = Buffer.alloc(32, 1).toString('base64');
    engine.start({ masterKey, masterKeyProtection: 'Electron safeStorage (kwallet5)' });
    const start = {
      message: { type: 'start', masterKey, masterKeyProtection: 'Electron safeStorage (kwallet5)' },
      transfer: undefined,
    };
    expect(children[0]?.posted).toEqual([start]);
    children[0]?.exit(1);
    vi.advanceTimersByTime(10);
    expect(children[1]?.posted).toEqual([start]);
    for (const call of fork.mock.calls) {
      expect(JSON.stringify(call)).not.toContain(masterKey);
    }
    expect(JSON.stringify(process.env)).not.toContain(masterKey);
  });

  it('hands a renderer port to the running engine as {type: connect}', () => {
    const { engine, children } = setup();
    engine.start();
    const port = fakePort('a');
    engine.connect(port);
    expect(children[0]?.posted).toEqual([START, { message: { type: 'connect' }, transfer: [port] }]);
  });

  it('holds ports that arrive before the start and delivers them to the new process', () => {
    const { engine, children } = setup();
    const port = fakePort('early');
    engine.connect(port);
    engine.start();
    expect(children[0]?.posted).toEqual([START, { message: { type: 'connect' }, transfer: [port] }]);
  });

  it('restarts a crashed engine with growing delays, tells the window, and delivers waiting ports', () => {
    vi.useFakeTimers();
    const { engine, fork, children, onRestart } = setup({
      firstRestartDelayMs: 100,
      maxRestartDelayMs: 1000,
    });
    engine.start();
    children[0]?.exit(1);
    expect(engine.state).toBe('waiting');

    const port = fakePort('during-crash');
    engine.connect(port);
    vi.advanceTimersByTime(99);
    expect(fork).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    expect(fork).toHaveBeenCalledTimes(2);
    expect(onRestart).toHaveBeenCalledTimes(1);
    expect(children[1]?.posted).toEqual([START, { message: { type: 'connect' }, transfer: [port] }]);

    // second crash in a row: twice the delay
    children[1]?.exit(1);
    vi.advanceTimersByTime(199);
    expect(fork).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(1);
    expect(fork).toHaveBeenCalledTimes(3);
  });

  it('resets the backoff after a healthy run', () => {
    vi.useFakeTimers();
    const { engine, fork, children } = setup({ firstRestartDelayMs: 100, healthyAfterMs: 1000 });
    engine.start();
    children[0]?.exit(1);
    vi.advanceTimersByTime(100);
    children[1]?.emit('message', { type: 'ready' });
    vi.advanceTimersByTime(5000);
    children[1]?.exit(1);
    vi.advanceTimersByTime(100);
    expect(fork).toHaveBeenCalledTimes(3);
  });

  it('gives up after too many crashes in a row and then closes new ports', () => {
    vi.useFakeTimers();
    const { engine, fork, children, onGiveUp } = setup({ firstRestartDelayMs: 10, maxRestarts: 2 });
    engine.start();
    children[0]?.exit(3);
    vi.advanceTimersByTime(10);
    children[1]?.exit(3);
    vi.advanceTimersByTime(20);
    children[2]?.exit(3);
    vi.advanceTimersByTime(10_000);
    expect(fork).toHaveBeenCalledTimes(3);
    expect(engine.state).toBe('failed');
    expect(onGiveUp).toHaveBeenCalledWith(3);
    const port = fakePort('late');
    engine.connect(port);
    expect(port.close).toHaveBeenCalled();
  });

  it('stop asks for a shutdown, waits for the exit and does not restart', async () => {
    vi.useFakeTimers();
    const { engine, fork, children } = setup();
    engine.start();
    const stopped = engine.stop();
    expect(children[0]?.posted).toEqual([START, { message: { type: 'shutdown' }, transfer: undefined }]);
    expect(engine.state).toBe('stopping');
    children[0]?.exit(0);
    await stopped;
    expect(engine.state).toBe('stopped');
    expect(children[0]?.kill).not.toHaveBeenCalled();
    vi.advanceTimersByTime(60_000);
    expect(fork).toHaveBeenCalledTimes(1);
    // and ports after the stop are closed, not queued
    const port = fakePort('after');
    engine.connect(port);
    expect(port.close).toHaveBeenCalled();
  });

  it('kills an engine that does not stop in time', async () => {
    vi.useFakeTimers();
    const { engine, children } = setup({ shutdownTimeoutMs: 1000 });
    engine.start();
    const stopped = engine.stop();
    vi.advanceTimersByTime(999);
    expect(children[0]?.kill).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(children[0]?.kill).toHaveBeenCalledTimes(1);
    children[0]?.exit(143);
    await stopped;
    expect(engine.state).toBe('stopped');
  });

  it('stop during a restart wait cancels the restart and closes waiting ports', async () => {
    vi.useFakeTimers();
    const { engine, fork, children } = setup({ firstRestartDelayMs: 100 });
    engine.start();
    children[0]?.exit(1);
    const port = fakePort('waiting');
    engine.connect(port);
    await engine.stop();
    vi.advanceTimersByTime(10_000);
    expect(fork).toHaveBeenCalledTimes(1);
    expect(port.close).toHaveBeenCalled();
  });

  it("passes the engine's JSON log lines on and wraps anything else", async () => {
    const lines: string[] = [];
    const { engine, children, log } = setup({ writeLine: (line) => lines.push(line) });
    engine.start();
    const child = children[0]!;
    child.stderr.write('{"level":"info","msg":"engine ready"}\n{"level":"warn","msg":"slow"}\n');
    child.stderr.write('Error: boom\n    at x\n');
    child.stdout.write('hello\n');
    await vi.waitFor(() => expect(log.info).toHaveBeenCalledWith('engine stdout', { line: 'hello' }));
    expect(lines).toEqual(['{"level":"info","msg":"engine ready"}', '{"level":"warn","msg":"slow"}']);
    expect(log.warn).toHaveBeenCalledWith('engine stderr', { line: 'Error: boom' });
    expect(log.warn).toHaveBeenCalledWith('engine stderr', { line: '    at x' });
  });
});
