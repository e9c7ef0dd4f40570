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
  tokenSource: 'generated' | 'option' | 'file';
  dataDir: string;
  /** the folder the engine uses: the data folder, or its demo/ subfolder while the demo runs */
  engineDataDir: string;
  demo: boolean;
  /** BLE connectors use a simulated adapter with standard GATT sensors instead of the machine's */
  simulatedBle: boolean;
  /** --demo-site: a demo site definition to run instead of the built-in one */
  demoSiteFile?: string;
  rendererDir: string;
  warnings: string[];
}

export class UsageError extends Error {}

export const USAGE = `Usage: npm run serve -- [options]

  --host <addr>        address to bind (default 127.0.0.1)
  --port <n>           port (default 5170; 0 picks a free one)
  --token <t>          access token (default: a new random one each start)
  --token-file <file>  read the access token from the first line of a file (chmod 600)
  --data-dir <dir>     where the SQLite cache lives (default: ${defaultDataDir()})
  --no-demo            do not start the built-in demo site of simulated devices; without
                       it the demo runs on its own data in <data-dir>/demo
  --demo-site <file>   run this demo site definition (devices, links, rates) instead of
                       the built-in one; same format as resources/demo-site.json
  --simulated-ble      Bluetooth LE connectors use a simulated Bluetooth adapter with
                       standard GATT sensors, for demos and tests; says so in the UI
  --renderer-dir <dir> the built renderer to serve (default: out/renderer)
  -h, --help           this text

Binding an address other than loopback needs --token or --token-file.`;

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

export function parseHeadlessOptions(argv: string[], defaultRendererDir: string): HeadlessOptions | 'help' {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof spec; allowNegative: true; strict: true }>>;
  const spec = {
    host: { type: 'string' },
    port: { type: 'string' },
    token: { type: 'string' },
    'token-file': { type: 'string' },
    'data-dir': { type: 'string' },
    demo: { type: 'boolean', default: true },
    'simulated-ble': { type: 'boolean', default: false },
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
  if (values.token !== undefined && values['token-file'] !== undefined) {
    throw new UsageError('give --token or --token-file, not both');
  }

  const warnings: string[] = [];
  let token: string;
  let tokenSource: HeadlessOptions['tokenSource'];
  try {
    if (values.token !== undefined) {
      token = validateToken(values.token, '--token');
      tokenSource = 'option';
    } else if (values['token-file'] !== undefined) {
      const fromFile = readTokenFile(values['token-file']);
      token = fromFile.token;
      if (fromFile.warning) warnings.push(fromFile.warning);
      tokenSource = 'file';
    } else {
      token = generateToken();
      tokenSource = 'generated';
    }
  } catch (error) {
    throw new UsageError((error as Error).message);
  }

  if (!isLoopbackHost(host) && tokenSource === 'generated') {
    throw new UsageError(
      `refusing to listen on ${host} without --token or --token-file: anyone who can reach this ` +
        'machine could read and control your devices. Give a token you share only with your users, ' +
        'or bind 127.0.0.1.',
    );
  }

  const dataDir = path.resolve(values['data-dir'] ?? defaultDataDir());
  return {
    host,
    port,
    token,
    tokenSource,
    dataDir,
    engineDataDir: engineDataDir(dataDir, values.demo),
    demo: values.demo,
    simulatedBle: values['simulated-ble'],
    ...(values['demo-site'] !== undefined ? { demoSiteFile: path.resolve(values['demo-site']) } : {}),
    rendererDir: path.resolve(values['renderer-dir'] ?? defaultRendererDir),
    warnings,
  };
}
