/**
 * `npm run serve`: the engine in a plain Node process, the renderer over HTTP, RPC over
 * WebSocket. For a site PC without a screen, and for the browser tests.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createEngine } from '../engine/engine';
import { createLogger } from '../engine/log';
import { ensurePrivateDir } from '../engine/store/private-files';
import { parseHeadlessOptions, TOKEN_ENV, USAGE, UsageError } from './cli-options';
import { startHeadlessServer } from './headless-server';
import { simulatedBle } from './simulated-ble';

async function main(): Promise<number> {
  let options: ReturnType<typeof parseHeadlessOptions>;
  try {
    // bundled to out/main/server.js, so the built renderer is ../renderer
    options = parseHeadlessOptions(process.argv.slice(2), path.join(__dirname, '../renderer'));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`fieldline: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const log = createLogger();
  for (const warning of options.warnings) log.warn(warning);
  if (!existsSync(path.join(options.rendererDir, 'index.html'))) {
    process.stderr.write(
      `fieldline: no built renderer in ${options.rendererDir}; run "npm run build" first (npm run serve does it for you)\n`,
    );
    return 2;
  }

  // the demo's folder is inside it: the folder as a whole is private, not only the engine's part
  try {
    ensurePrivateDir(options.dataDir, log);
  } catch (error) {
    // the engine says the same when it cannot open its cache, and runs on live data only
    log.warn('cannot create the data folder', { dir: options.dataDir, error: (error as Error).message });
  }
  const engine = await createEngine({
    dataDir: options.engineDataDir,
    demo: options.demo,
    host: 'node',
    log,
    ...(options.simulatedBle ? { bleBinding: simulatedBle({ mcuboot: options.simulatedMcuboot }) } : {}),
    ...(options.demoSiteFile ? { demoSiteFile: options.demoSiteFile } : {}),
  });
  let server: Awaited<ReturnType<typeof startHeadlessServer>>;
  try {
    server = await startHeadlessServer({
      engine,
      host: options.host,
      port: options.port,
      token: options.token,
      rendererDir: options.rendererDir,
      log,
    });
  } catch (error) {
    await engine.close();
    process.stderr.write(
      `fieldline: cannot listen on ${options.host}:${options.port}: ${(error as Error).message}\n`,
    );
    return 1;
  }

  // one line, stable wording: people copy it, and the e2e tests parse it. A token the user
  // gave is theirs: it stays out of the output (terminal scrollback, journald, CI logs)
  if (options.tokenSource === 'generated') {
    process.stdout.write(`Fieldline headless host: ${server.url}\n`);
  } else {
    const page = server.url.split('#')[0];
    const where = options.tokenFile ?? `the ${TOKEN_ENV} environment variable`;
    process.stdout.write(`Fieldline headless host: ${page}\n`);
    process.stdout.write(`  token: not printed; it is the one in ${where}. Open ${page}#token=<token>\n`);
  }
  process.stdout.write(
    `  data: ${options.engineDataDir}${options.demo ? '  (demo site running, on demo data of its own; --no-demo for your site)' : ''}\n`,
  );
  if (options.simulatedBle) process.stdout.write('  Bluetooth: simulated adapter (--simulated-ble)\n');

  return await new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      log.info('stopping', { signal });
      Promise.all([server.close(), engine.close()])
        .then(() => resolve(0))
        .catch((error: unknown) => {
          log.error('error while stopping', { error: String(error) });
          resolve(1);
        });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `fieldline: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
