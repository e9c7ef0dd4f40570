/**
 * Starts the real headless host (the built out/main/server.js) and a real Chromium for
 * end-to-end tests. Missing tools fail loudly with the install step, never skip.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import WebSocket from 'ws';

export const repoRoot = path.resolve(__dirname, '..');
export const artifactsDir = path.join(repoRoot, 'test-results');

export interface RunningHost {
  url: string;
  origin: string;
  token: string;
  port: number;
  dataDir: string;
  output: () => string;
  process: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function tempDataDir(label: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `fieldline-${label}-`));
}

export async function startHost(options: {
  dataDir: string;
  args?: string[];
  /** variables added to this process's environment for the host */
  env?: NodeJS.ProcessEnv;
}): Promise<RunningHost> {
  const serverJs = path.join(repoRoot, 'out/main/server.js');
  if (!existsSync(serverJs)) {
    throw new Error(`${serverJs} is missing: run "npm run build" (npm test does it first)`);
  }
  const child = spawn(
    process.execPath,
    [serverJs, '--port', '0', '--data-dir', options.dataDir, ...(options.args ?? [])],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the host did not start in 30 s:\n${output}`)), 30_000);
    const check = () => {
      const match = /Fieldline headless host: (\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the host exited with code ${code} before it was ready:\n${output}`));
    });
  });
  const parsed = new URL(url);
  const token = new URLSearchParams(parsed.hash.slice(1)).get('token') ?? '';
  return {
    url,
    origin: parsed.origin,
    token,
    port: Number(parsed.port),
    dataDir: options.dataDir,
    output: () => output,
    process: child,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return await exited;
    },
  };
}

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.FIELDLINE_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath}: install it with "apt-get install -y chromium" ` +
        '(or set FIELDLINE_CHROMIUM to a Chromium binary). End-to-end tests do not skip.',
    );
  }
  return await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}

export interface AppInBrowser {
  host: RunningHost;
  browser: Browser;
  page: Page;
  /** the browser, then the host */
  close(): Promise<void>;
}

/**
 * What most end-to-end tests start with: the built headless host on its own data dir and a
 * Chromium page on it. The page's uncaught errors (and with consoleErrors its console
 * errors) go into pageErrors for the test to check; setup runs before the first load
 * (listeners, timeouts); hash is the route to open; with load false the page stays blank
 * for the test to load when it needs to. If any of it fails, what had started is stopped
 * before the error is thrown.
 */
export async function openAppInBrowser(options: {
  dataDir: string;
  args?: string[];
  viewport: { width: number; height: number };
  pageErrors: string[];
  consoleErrors?: boolean;
  setup?: (page: Page) => void;
  hash?: string;
  load?: boolean;
}): Promise<AppInBrowser> {
  const host = await startHost({ dataDir: options.dataDir, args: options.args });
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: options.viewport });
    page.on('pageerror', (error) => options.pageErrors.push(error.message));
    if (options.consoleErrors)
      page.on('console', (message) => {
        if (message.type() === 'error') options.pageErrors.push(message.text());
      });
    options.setup?.(page);
    if (options.load !== false) {
      await page.goto(host.url);
      if (options.hash) await page.evaluate(`location.hash = ${JSON.stringify(options.hash)}`);
    }
    const opened = browser;
    return {
      host,
      browser: opened,
      page,
      async close() {
        await opened.close();
        await host.stop();
      },
    };
  } catch (error) {
    await browser?.close();
    await host.stop();
    throw error;
  }
}

export type AppWithRpc = AppInBrowser & { rpc: RpcClient };

/** openAppInBrowser, and an RPC client on its host that close() closes first. */
export async function openAppWithRpc(options: Parameters<typeof openAppInBrowser>[0]): Promise<AppWithRpc> {
  const app = await openAppInBrowser(options);
  try {
    const rpc = await connectRpc(app.host);
    return {
      ...app,
      rpc,
      async close() {
        rpc.close();
        await app.close();
      },
    };
  } catch (error) {
    await app.close();
    throw error;
  }
}

export function ensureArtifactsDir(): string {
  mkdirSync(artifactsDir, { recursive: true });
  return artifactsDir;
}

/** A minimal RPC client over WebSocket, for tests that talk to the engine without a page. */
export async function connectRpc(host: RunningHost, opts: { token?: string; origin?: string } = {}) {
  const token = opts.token ?? host.token;
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/rpc`, [`fieldline.token.${token}`], {
    headers: opts.origin ? { Origin: opts.origin } : {},
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  let nextId = 1;
  const pending = new Map<number, (message: { result?: unknown; error?: { code: string } }) => void>();
  const streamListeners: Array<(message: { stream: string; sub: number; data: unknown }) => void> = [];
  ws.on('message', (data) => {
    const message = JSON.parse(data.toString());
    if (typeof message.stream === 'string') for (const l of streamListeners) l(message);
    else pending.get(message.id)?.(message);
  });
  return {
    ws,
    async call(method: string, params?: unknown): Promise<{ result?: unknown; error?: { code: string } }> {
      const id = nextId++;
      return await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${method}: no answer in 10 s`)), 10_000);
        pending.set(id, (message) => {
          clearTimeout(timer);
          pending.delete(id);
          resolve(message);
        });
        ws.send(JSON.stringify({ id, method, params }));
      });
    },
    /** the call's result, or an error naming the method and the engine's error */
    async request<T>(method: string, params?: unknown): Promise<T> {
      const reply = await this.call(method, params);
      if (reply.error) throw new Error(`${method}: ${JSON.stringify(reply.error)}`);
      return reply.result as T;
    },
    onStream(listener: (message: { stream: string; sub: number; data: unknown }) => void) {
      streamListeners.push(listener);
    },
    close() {
      ws.close();
    },
  };
}

export type RpcClient = Awaited<ReturnType<typeof connectRpc>>;

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
