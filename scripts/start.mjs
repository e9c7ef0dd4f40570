// `npm start`: the desktop app on the demo site. Where the Electron binary is not
// installed (ELECTRON_SKIP_BINARY_DOWNLOAD=1, as on the project's build machines), it says
// so and starts the headless host instead, which prints the URL to open.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { buildIfStale, repoRoot } from './build-if-stale.mjs';
import { EnsureNativeError, ensureElectron, installedElectronBinary } from './ensure-native.mjs';

const args = process.argv.slice(2);

function run(command, commandArgs, options = {}) {
  const child = spawn(command, commandArgs, { cwd: repoRoot, stdio: 'inherit', ...options });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => {
    process.stderr.write(`fieldline: could not run ${command}: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

const electron = installedElectronBinary();

if (!electron) {
  process.stderr.write(
    [
      'fieldline: the Electron binary is not installed (node_modules/electron has no dist/;',
      '           it was installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1 or its download failed).',
      'fieldline: starting the headless host instead: open the URL it prints in a browser.',
      'fieldline: for the desktop window, install the binary ("node node_modules/electron/install.js"',
      '           with ELECTRON_SKIP_BINARY_DOWNLOAD unset) and run "npm start" again.',
      '',
    ].join('\n'),
  );
  run(process.execPath, [path.join(repoRoot, 'scripts/serve.mjs'), ...args]);
} else {
  try {
    // .native/better_sqlite3-electron-abi<E>.node for the engine; node_modules keeps the
    // Node build, so `npm test` works straight after
    await ensureElectron();
  } catch (error) {
    const message = error instanceof EnsureNativeError ? error.message : (error?.stack ?? String(error));
    process.stderr.write(
      `fieldline: cannot prepare better-sqlite3 for Electron:\n${message}\n` +
        'fieldline: "npm run serve" runs the same app in a browser without it\n',
    );
    process.exit(1);
  }
  buildIfStale();
  // ELECTRON_RUN_AS_NODE (set by some editors' terminals) would make Electron a plain Node
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  // package.json "main" is out/main/index.js
  run(electron, [repoRoot, ...args], { env });
}
