// `npm run serve`: build if needed, then run the headless host in this terminal.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { buildIfStale, repoRoot } from './build-if-stale.mjs';

buildIfStale();
const child = spawn(process.execPath, [path.join(repoRoot, 'out/main/server.js'), ...process.argv.slice(2)], {
  cwd: repoRoot,
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
