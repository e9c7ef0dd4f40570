/**
 * Command-line options of the headless host, parsed and checked before anything starts,
 * so a mistake ends with one clear line and exit code 2 rather than a half-started host.
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { engineDataDir } from '../engine/demo/demo-data-dir';
import { generateToken, isLoopbackHost, readTokenFile, validateToken } from './access-token';

export interface HeadlessOptions {
  host: string;
  port: number;
  token: string;
  /** a generated token is printed in the URL; one the user gave is theirs to know, never printed */
  tokenSource: 'generated' | 'file' | 'env';
  /** the file it was read from, with tokenSource 'file' */
  tokenFile?: string;
  dataDir: string;
  /** the folder the engine uses: the data folder, or its demo/ subfolder while the demo runs */
  engineDataDir: string;
  demo: boolean;
  /** BLE connectors use a simulated adapter with standard GATT sensors instead of the machine's */
  simulatedBle: boolean;
  /** the simulated adapter also has an MCUboot device serving SMP, to flash over Bluetooth */
  simulatedMcuboot: boolean;
  /** --demo-site: a demo site definition to run instead of the built-in one */
  demoSiteFile?: string;
  rendererDir: string;
  warnings: string[];
}

export class UsageError extends Error {}

/** The environment variable a service manager can pass the token in (systemd's Environment=, a secrets store). */
export const TOKEN_ENV = 'FIELDLINE_TOKEN';

export const USAGE = `Usage: npm run serve -- [options]

  --host <addr>        address to bind (default 127.0.0.1)
  --port <n>           port (default 5170; 0 picks a free one)
  --token-file <file>  read the access token from the first line of a file (chmod 600);
                       without it or ${TOKEN_ENV}, a new random token each start
  ${TOKEN_ENV}      environment variable: the access token (removed from the environment
                       once read); at least 128 bits: e.g. \`openssl rand -hex 32\`
  --data-dir <dir>     where the SQLite cache lives (default: ${defaultDataDir()})
  --no-demo            do not start the built-in demo site of simulated devices; without
                       it the demo runs on its own data in <data-dir>/demo
  --demo-site <file>   run this demo site definition (devices, links, rates) instead of
                       the built-in one; same format as resources/demo-site.json
  --simulated-ble      Bluetooth LE connectors use a simulated Bluetooth adapter with
                       standard GATT sensors, for demos and tests; says so in the UI
  --simulated-mcuboot  with --simulated-ble: the simulated adapter also has an MCUboot
                       device (SMP over Bluetooth) to try flashing firmware on
  --renderer-dir <dir> the built renderer to serve (default: out/renderer)
  -h, --help           this text

Binding an address other than loopback needs --token-file or ${TOKEN_ENV}.`;

export function defaultDataDir(): string {
  const home = os.homedir();
  if (process.platform === 'win32') {
    return path.join(process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Fieldline', 'headless');
  }
  if (process.platform === 'darwin') {
    return path.join(home, 'Library', 'Application Support', 'Fieldline', 'headless');
  }
  return path.join(process.env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'fieldline');
}

/**
 * `env` is read for FIELDLINE_TOKEN, which is deleted from it once read: the engine's child
 * processes (brokers, helpers) inherit the environment and have no use for the token.
 */
export function parseHeadlessOptions(
  argv: string[],
  defaultRendererDir: string,
  env: NodeJS.ProcessEnv = process.env,
): HeadlessOptions | 'help' {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof spec; allowNegative: true; strict: true }>>;
  const spec = {
    host: { type: 'string' },
    port: { type: 'string' },
    token: { type: 'string' },
    'token-file': { type: 'string' },
    'data-dir': { type: 'string' },
    demo: { type: 'boolean', default: true },
    'simulated-ble': { type: 'boolean', default: false },
    'simulated-mcuboot': { type: 'boolean', default: false },
    'demo-site': { type: 'string' },
    'renderer-dir': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  } as const;
  try {
    parsed = parseArgs({ args: argv, options: spec, allowNegative: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const values = parsed.values;
  if (values.help) return 'help';
  if (values['demo-site'] !== undefined && !values.demo) {
    throw new UsageError('--demo-site runs a demo site: give it without --no-demo');
  }

  const host = values.host ?? '127.0.0.1';
  const portText = values.port ?? '5170';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new UsageError(`--port must be a number from 0 to 65535, not "${portText}"`);
  }
  const fromEnv = env[TOKEN_ENV];
  delete env[TOKEN_ENV];
  if (values.token !== undefined) {
    // a command line is readable by every user of the machine (ps, /proc/<pid>/cmdline)
    throw new UsageError(
      `--token shows the token to every user of this machine (ps lists command lines): put it in a file ` +
        `only you can read and give --token-file <file>, or pass it in the ${TOKEN_ENV} environment variable`,
    );
  }
  if (fromEnv !== undefined && values['token-file'] !== undefined) {
    throw new UsageError(`give --token-file or ${TOKEN_ENV}, not both`);
  }

  const warnings: string[] = [];
  let token: string;
  let tokenSource: HeadlessOptions['tokenSource'];
  let tokenFile: string | undefined;
  try {
    if (values['token-file'] !== undefined) {
      tokenFile = path.resolve(values['token-file']);
      const fromFile = readTokenFile(tokenFile);
      token = fromFile.token;
      if (fromFile.warning) warnings.push(fromFile.warning);
      tokenSource = 'file';
    } else if (fromEnv !== undefined) {
      token = validateToken(fromEnv, TOKEN_ENV);
      tokenSource = 'env';
    } else {
      token = generateToken();
      tokenSource = 'generated';
    }
  } catch (error) {
    throw new UsageError((error as Error).message);
  }

  if (!isLoopbackHost(host) && tokenSource === 'generated') {
    throw new UsageError(
      `refusing to listen on ${host} without --token-file or ${TOKEN_ENV}: anyone who can reach this ` +
        'machine could read and control your devices. Give a token you share only with your users, ' +
        'or bind 127.0.0.1.',
    );
  }

  if (values['simulated-mcuboot'] && !values['simulated-ble'])
    throw new UsageError(
      '--simulated-mcuboot needs --simulated-ble: the device lives on the simulated adapter',
    );
  const dataDir = path.resolve(values['data-dir'] ?? defaultDataDir());
  return {
    host,
    port,
    token,
    tokenSource,
    ...(tokenFile ? { tokenFile } : {}),
    dataDir,
    engineDataDir: engineDataDir(dataDir, values.demo),
    demo: values.demo,
    simulatedBle: values['simulated-ble'],
    simulatedMcuboot: values['simulated-mcuboot'],
    ...(values['demo-site'] !== undefined ? { demoSiteFile: path.resolve(values['demo-site']) } : {}),
    rendererDir: path.resolve(values['renderer-dir'] ?? defaultRendererDir),
    warnings,
  };
}
