/**
 * The engine's utilityProcess: started after app ready, its log lines passed on, restarted
 * with backoff when it dies, stopped (shutdown message, then kill) when the app quits.
 *
 * Renderer connections that arrive while no engine is running (starting, or waiting to
 * restart after a crash) wait here and are handed over when the next one starts. A crash
 * closes every port the engine held, which is how the renderer learns to reconnect.
 */
import { createInterface } from 'node:readline';
import type { ForkOptions, MessagePortMain } from 'electron';
import type { EngineStartMessage } from '../engine/host/utility-process';
import type { Logger } from '../engine/log';

/** What the engine is started with; sent as its first message at every (re)start. */
export type EngineStart = Omit<EngineStartMessage, 'type'>;

/** The part of Electron's UtilityProcess used here. */
export interface EngineChild {
  readonly pid?: number | undefined;
  readonly stdout: NodeJS.ReadableStream | null;
  readonly stderr: NodeJS.ReadableStream | null;
  postMessage(message: unknown, transfer?: MessagePortMain[]): void;
  kill(): boolean;
  on(event: 'exit', listener: (code: number) => void): unknown;
  on(event: 'spawn', listener: () => void): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

export type ForkEngine = (modulePath: string, args: string[], options: ForkOptions) => EngineChild;

export type EngineState = 'idle' | 'running' | 'waiting' | 'stopping' | 'stopped' | 'failed';

export interface EngineProcessOptions {
  modulePath: string;
  args: string[];
  fork: ForkEngine;
  log: Logger;
  /** where the engine's own JSON log lines go (default: this process's stderr) */
  writeLine?: (line: string) => void;
  /** a new engine process replaced one that died */
  onRestart?: () => void;
  /** it kept dying; no more restarts */
  onGiveUp?: (exitCode: number) => void;
  firstRestartDelayMs?: number;
  maxRestartDelayMs?: number;
  /** consecutive crashes (without a healthy run in between) before giving up */
  maxRestarts?: number;
  /** a run this long after 'ready' counts as healthy and resets the backoff */
  healthyAfterMs?: number;
  shutdownTimeoutMs?: number;
}

/** Arguments for out/main/engine-host.js (see main/engine/host/utility-process.ts). */
export function engineArgs(options: {
  dataDir: string;
  demo: boolean;
  resourcesDir?: string | undefined;
}): string[] {
  const args = ['--data-dir', options.dataDir];
  if (!options.demo) args.push('--no-demo');
  if (options.resourcesDir) args.push('--resources-dir', options.resourcesDir);
  return args;
}

export class EngineProcess {
  private child: EngineChild | null = null;
  private current: EngineState = 'idle';
  private pending: MessagePortMain[] = [];
  private crashes = 0;
  private readyAt: number | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private stopping: Promise<void> | null = null;
  private startWith: EngineStart = {};
  private readonly options: Required<Omit<EngineProcessOptions, 'onRestart' | 'onGiveUp' | 'writeLine'>> &
    EngineProcessOptions;

  constructor(options: EngineProcessOptions) {
    this.options = {
      firstRestartDelayMs: 500,
      maxRestartDelayMs: 30_000,
      maxRestarts: 8,
      healthyAfterMs: 30_000,
      shutdownTimeoutMs: 5_000,
      ...options,
    };
  }

  get state(): EngineState {
    return this.current;
  }

  /** `init` (the master key) goes to the engine in its start message, never in argv or env. */
  start(init: EngineStart = {}): void {
    if (this.current !== 'idle') return;
    this.startWith = { ...init };
    this.spawn();
  }

  /** Hands the engine's end of a renderer channel to the engine (now, or when it is up). */
  connect(port: MessagePortMain): void {
    if (this.current === 'stopping' || this.current === 'stopped' || this.current === 'failed') {
      port.close();
      return;
    }
    if (this.child && this.current === 'running') {
      this.child.postMessage({ type: 'connect' }, [port]);
      return;
    }
    this.pending.push(port);
  }

  /** Asks the engine to shut down; kills it if it has not exited in time. */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    this.closePending();
    const child = this.child;
    this.current = 'stopping';
    if (!child) {
      this.current = 'stopped';
      this.stopping = Promise.resolve();
      return this.stopping;
    }
    const { log, shutdownTimeoutMs } = this.options;
    this.stopping = new Promise<void>((resolve) => {
      let killTimer: NodeJS.Timeout | undefined;
      let giveUpTimer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(killTimer);
        clearTimeout(giveUpTimer);
        this.current = 'stopped';
        resolve();
      };
      child.on('exit', done);
      killTimer = setTimeout(() => {
        log.warn('the engine did not stop in time; killing it', { timeoutMs: shutdownTimeoutMs });
        child.kill();
        // and do not hold the app's quit hostage if even that is not reported
        giveUpTimer = setTimeout(done, 2_000);
      }, shutdownTimeoutMs);
      try {
        child.postMessage({ type: 'shutdown' });
      } catch (error) {
        log.warn('could not ask the engine to shut down', { error: String(error) });
        child.kill();
      }
    });
    return this.stopping;
  }

  private spawn(): void {
    const { modulePath, args, fork, log } = this.options;
    let child: EngineChild;
    try {
      child = fork(modulePath, args, { serviceName: 'Fieldline engine', stdio: 'pipe' });
    } catch (error) {
      log.error('could not start the engine process', { error: String(error) });
      this.child = null;
      this.onExit(-1);
      return;
    }
    this.child = child;
    this.current = 'running';
    this.readyAt = null;
    this.forwardOutput(child);
    child.on('spawn', () => log.info('engine process started', { pid: child.pid }));
    child.on('message', (message) => {
      if (
        typeof message === 'object' &&
        message !== null &&
        (message as { type?: unknown }).type === 'ready'
      ) {
        this.readyAt = Date.now();
        log.info('engine ready');
      }
    });
    child.on('exit', (code) => {
      if (this.child !== child) return;
      this.child = null;
      this.onExit(code);
    });
    // the process queues messages until its handler is registered; the start message goes first
    const start: EngineStartMessage = { type: 'start', ...this.startWith };
    child.postMessage(start);
    const waiting = this.pending;
    this.pending = [];
    for (const port of waiting) child.postMessage({ type: 'connect' }, [port]);
  }

  private onExit(code: number): void {
    if (this.current === 'stopping' || this.current === 'stopped') return;
    const { log, healthyAfterMs, maxRestarts, firstRestartDelayMs, maxRestartDelayMs } = this.options;
    if (this.readyAt !== null && Date.now() - this.readyAt >= healthyAfterMs) this.crashes = 0;
    this.crashes += 1;
    if (this.crashes > maxRestarts) {
      log.error('the engine keeps stopping; giving up', { exitCode: code, crashes: this.crashes - 1 });
      this.current = 'failed';
      this.closePending();
      this.options.onGiveUp?.(code);
      return;
    }
    const delay = Math.min(firstRestartDelayMs * 2 ** (this.crashes - 1), maxRestartDelayMs);
    log.error('the engine process exited; restarting it', {
      exitCode: code,
      inMs: delay,
      attempt: this.crashes,
    });
    this.current = 'waiting';
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.current !== 'waiting') return;
      this.spawn();
      this.options.onRestart?.();
    }, delay);
  }

  private forwardOutput(child: EngineChild): void {
    const { log } = this.options;
    const writeLine = this.options.writeLine ?? ((line: string) => process.stderr.write(`${line}\n`));
    if (child.stderr) {
      // the engine logs JSON lines on stderr: passed on as they are; anything else
      // (a crash trace) is wrapped so it still reads as one log entry per line
      createInterface({ input: child.stderr, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
        if (line.startsWith('{')) writeLine(line);
        else if (line.trim() !== '') log.warn('engine stderr', { line });
      });
    }
    if (child.stdout) {
      createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
        if (line.trim() !== '') log.info('engine stdout', { line });
      });
    }
  }

  private closePending(): void {
    for (const port of this.pending.splice(0)) port.close();
  }
}
