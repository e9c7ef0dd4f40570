/**
 * The engine inside Electron's utilityProcess (bundled to out/main/engine-host.js).
 *
 * The main process forks this file and first sends `{type: 'start', masterKey?,
 * masterKeyProtection?}` (EngineStartMessage): the master key that seals secrets at rest,
 * decrypted with safeStorage in the main process, travels over the parent port, never on
 * the command line or in the environment, which other local processes can read. The
 * engine starts only when that message has arrived. Then one MessagePort per renderer
 * connection: `{type: 'connect'}` with the port in `ports[0]`. `{type: 'shutdown'}` closes
 * the engine and exits. Like the rest of the engine it never imports 'electron': the
 * little it needs of `process.parentPort` and MessagePortMain is declared here.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createEngine } from '../engine';
import type { Engine, EngineOptions } from '../engine-types';
import { createLogger, type Logger } from '../log';
import { MASTER_KEY_BYTES, type MasterKey, masterKeyFromBytes } from '../secrets/master-key';
import { createMessagePortTransport, type MessagePortLike } from './message-port-transport';

/** Electron's `process.parentPort` (a ParentPort), as far as this host uses it. */
export interface ParentPortLike {
  on(event: 'message', listener: (event: { data: unknown; ports: MessagePortLike[] }) => void): unknown;
  postMessage(message: unknown): void;
}

export interface EngineHostArgs {
  dataDir: string;
  demo: boolean;
  resourcesDir?: string;
}

export class EngineHostUsageError extends Error {}

/** The main process's first message. Without `masterKey` the engine keeps its own 0600 key file. */
export interface EngineStartMessage {
  type: 'start';
  /** 32 bytes, base64 */
  masterKey?: string;
  /** how the key is protected, shown in the Credentials panel */
  masterKeyProtection?: string;
}

/** How long the host waits for the start message before giving up (exit 2). */
export const START_TIMEOUT_MS = 30_000;

/** Checks the start message; a malformed key is refused rather than replaced, so no secret is sealed with a stray key. */
export function parseStartMessage(data: unknown): { masterKey?: MasterKey; masterKeyProtection?: string } {
  const message = data as Partial<EngineStartMessage>;
  const result: { masterKey?: MasterKey; masterKeyProtection?: string } = {};
  if (message.masterKey !== undefined) {
    const text = message.masterKey;
    const bytes = typeof text === 'string' ? Buffer.from(text, 'base64') : Buffer.alloc(0);
    if (typeof text !== 'string' || bytes.length !== MASTER_KEY_BYTES || bytes.toString('base64') !== text) {
      throw new EngineHostUsageError(
        `the start message's masterKey is not ${MASTER_KEY_BYTES} bytes of base64`,
      );
    }
    result.masterKey = masterKeyFromBytes(bytes);
    bytes.fill(0);
  }
  if (message.masterKeyProtection !== undefined) {
    if (typeof message.masterKeyProtection !== 'string' || message.masterKeyProtection.length > 500) {
      throw new EngineHostUsageError("the start message's masterKeyProtection is not a short string");
    }
    result.masterKeyProtection = message.masterKeyProtection;
  }
  return result;
}

/**
 * Reads `--data-dir <dir>` (or `--data-dir=<dir>`), `--resources-dir <dir>` and
 * `--no-demo` from anywhere in argv; anything else (the executable, the script, switches
 * Chromium adds) is ignored.
 */
export function parseEngineHostArgs(argv: readonly string[]): EngineHostArgs {
  let dataDir: string | undefined;
  let resourcesDir: string | undefined;
  let demo = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? splitOnce(arg) : [arg, undefined];
    if (name === '--no-demo') {
      demo = false;
      continue;
    }
    if (name !== '--data-dir' && name !== '--resources-dir') continue;
    const value = inline ?? argv[++i];
    if (!value || (inline === undefined && value.startsWith('--'))) {
      throw new EngineHostUsageError(`${name} needs a folder`);
    }
    if (name === '--data-dir') dataDir = value;
    else resourcesDir = value;
  }
  if (!dataDir) throw new EngineHostUsageError('--data-dir is required');
  return resourcesDir ? { dataDir, demo, resourcesDir } : { dataDir, demo };
}

function splitOnce(arg: string): [string, string] {
  const at = arg.indexOf('=');
  return [arg.slice(0, at), arg.slice(at + 1)];
}

/**
 * The resources folder to give the engine: the one the main process passed, else (a
 * packaged app whose main process did not say) `<resourcesPath>/resources` when this code
 * runs from inside an asar archive; else undefined and the engine finds it from the code.
 */
export function resolveResourcesDir(
  args: EngineHostArgs,
  resourcesPath: string | undefined,
  codeDir: string,
): string | undefined {
  if (args.resourcesDir) return args.resourcesDir;
  if (!resourcesPath || !codeDir.split(/[\\/]/).includes('app.asar')) return undefined;
  const candidate = path.join(resourcesPath, 'resources');
  return existsSync(candidate) ? candidate : undefined;
}

export interface EngineHostDeps {
  createEngine: (options: EngineOptions) => Promise<Engine>;
  log: Logger;
  exit: (code: number) => void;
  /** Electron's process.resourcesPath, when there is one */
  resourcesPath?: string;
  codeDir: string;
  startTimeoutMs?: number;
}

function isMessage(data: unknown, type: string): boolean {
  return typeof data === 'object' && data !== null && (data as { type?: unknown }).type === type;
}

/** Runs the engine host; resolves once the engine is up (or the start failed). */
export async function runEngineHost(
  parentPort: ParentPortLike,
  argv: readonly string[],
  deps: EngineHostDeps,
): Promise<void> {
  const { log } = deps;
  let args: EngineHostArgs;
  try {
    args = parseEngineHostArgs(argv);
  } catch (error) {
    log.error('engine host: bad arguments', { error: (error as Error).message });
    deps.exit(2);
    return;
  }

  let stopping = false;
  let started: (message: unknown) => void = () => {};
  const startMessage = new Promise<unknown>((resolve) => {
    started = resolve;
  });
  const startTimer = setTimeout(() => started(undefined), deps.startTimeoutMs ?? START_TIMEOUT_MS);
  const startup: Promise<Engine | undefined> = startMessage.then((message) => {
    clearTimeout(startTimer);
    if (stopping) return undefined;
    if (message === undefined) {
      log.error('engine host: no start message from the main process; exiting');
      deps.exit(2);
      return undefined;
    }
    let start: ReturnType<typeof parseStartMessage>;
    try {
      start = parseStartMessage(message);
    } catch (error) {
      log.error('engine host: bad start message', { error: (error as Error).message });
      deps.exit(2);
      return undefined;
    }
    return deps
      .createEngine({
        dataDir: args.dataDir,
        demo: args.demo,
        host: 'electron',
        log,
        ...start,
        ...withResourcesDir(resolveResourcesDir(args, deps.resourcesPath, deps.codeDir)),
      })
      .catch((error: unknown) => {
        log.error('engine failed to start', { error: describe(error) });
        deps.exit(1);
        return undefined;
      });
  });

  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    // a shutdown before the start message: nothing to close, and nothing is started later
    started(undefined);
    const running = await startup;
    try {
      await running?.close();
      deps.exit(0);
    } catch (error) {
      log.error('error while closing the engine', { error: describe(error) });
      deps.exit(1);
    }
  };

  // Registered before the engine is up: the parent port queues messages until a listener
  // exists, and a connect that arrives during start-up waits for the engine below.
  parentPort.on('message', (event) => {
    if (isMessage(event.data, 'start')) {
      started(event.data);
      return;
    }
    if (isMessage(event.data, 'shutdown')) {
      void shutdown();
      return;
    }
    if (!isMessage(event.data, 'connect')) {
      log.warn('engine host: unknown message from the main process');
      return;
    }
    const port = event.ports[0];
    if (!port) {
      log.warn('engine host: connect without a port');
      return;
    }
    void startup.then((running) => {
      if (!running || stopping) {
        port.close();
        return;
      }
      running.connect(createMessagePortTransport(port));
    });
  });

  const running = await startup;
  if (running && !stopping) {
    log.info('engine ready', { dataDir: args.dataDir, demo: args.demo });
    parentPort.postMessage({ type: 'ready', info: running.info() });
  }
}

function withResourcesDir(resourcesDir: string | undefined): { resourcesDir?: string } {
  return resourcesDir ? { resourcesDir } : {};
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

// Started by the main process: process.parentPort only exists inside a utilityProcess.
const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
if (parentPort) {
  void runEngineHost(parentPort, process.argv, {
    createEngine,
    log: createLogger({ scope: 'engine' }),
    exit: (code) => process.exit(code),
    resourcesPath: (process as unknown as { resourcesPath?: string }).resourcesPath,
    codeDir: __dirname,
  });
} else if (/engine-host\.js$/.test(process.argv[1] ?? '')) {
  process.stderr.write(
    'fieldline: out/main/engine-host.js runs inside the desktop app (an Electron utilityProcess); ' +
      'for a plain Node host use "npm run serve"\n',
  );
  process.exitCode = 2;
}
