/**
 * npm run bench:demo-kills [-- --minutes 5 --kills 10 --stop kill|term --root DIR]
 *
 * The demo site in the real headless host (out/main/server.js, built), killed with SIGKILL
 * (or stopped with SIGTERM) at random times and started again, as a crash-prone site
 * machine would be. The demo's serial and MQTT devices number their messages and count
 * from 0 again each time the engine starts. At the end, for each demo device, the readings
 * stored while the host was up against what the device sent in that time (rate × uptime;
 * the few hundred milliseconds a connector takes to start count against it, so a run
 * without loss reads a little under 100 %). `--root` runs another checkout's build, for
 * before/after figures.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../main/engine/log';
import { openDatabase } from '../main/engine/store/database';
import { ReadingStore } from '../main/engine/store/reading-store';
import { SeriesQuery } from '../main/engine/store/series-query';
import { tempDataDir } from '../main/engine/store/test-fixtures';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    kills: { type: 'string', default: '10' },
    stop: { type: 'string', default: 'kill' },
    seed: { type: 'string', default: '7' },
    root: { type: 'string', default: path.join(__dirname, '..') },
  },
});

interface DemoDevice {
  id: string;
  connector: string;
  rateHz: number;
  metrics: Record<string, unknown>;
}

function startHost(root: string, dataDir: string): Promise<{ child: ChildProcess; readyAt: number }> {
  const server = path.join(root, 'out/main/server.js');
  if (!existsSync(server))
    throw new Error(`${server} is missing: run \`npx electron-vite build\` in ${root}`);
  const child = spawn(process.execPath, [server, '--port', '0', '--data-dir', dataDir], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`host not ready after 120 s:\n${output}`)), 120_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/Fieldline headless host: \S+/.test(output)) {
        clearTimeout(timer);
        child.stdout!.removeAllListeners('data');
        child.stderr!.removeAllListeners('data');
        child.stdout!.resume();
        child.stderr!.resume();
        resolve({ child, readyAt: Date.now() });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`host exited (${code}):\n${output}`)));
  });
}

async function main(): Promise<void> {
  const root = path.resolve(args.root);
  const minutes = Number(args.minutes);
  const kills = Number(args.kills);
  const site = JSON.parse(readFileSync(path.join(root, 'resources/demo-site.json'), 'utf8')) as {
    connectors: { id: string; kind: string }[];
    devices: DemoDevice[];
  };
  const kinds = new Map(site.connectors.map((c) => [c.id, c.kind]));
  let state = Number(args.seed) >>> 0 || 1;
  const rand = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const total = minutes * 60_000;
  const at = Array.from({ length: kills }, () => rand() * total).sort((a, b) => a - b);
  const dataDir = tempDataDir('bench-demo-kills');
  const up: [number, number][] = [];
  const began = Date.now();
  for (let run = 0; run <= kills; run++) {
    const { child, readyAt } = await startHost(root, dataDir);
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const until = began + (run < kills ? at[run]! : total);
    await new Promise((resolve) => setTimeout(resolve, Math.max(until - Date.now(), 2_000)));
    const last = run === kills || args.stop !== 'kill';
    child.kill(last ? 'SIGTERM' : 'SIGKILL');
    up.push([readyAt, Date.now()]);
    await exited;
    process.stdout.write(`run ${run + 1}/${kills + 1}: up ${((Date.now() - readyAt) / 1000).toFixed(1)} s\n`);
  }
  const log = createLogger({ level: 'silent' });
  const { db, file } = openDatabase({ dataDir: path.join(dataDir, 'demo'), log });
  const store = new ReadingStore(db, file, log);
  const q = new SeriesQuery(db, store.series);
  const byKind = new Map<string, { sent: number; stored: number }>();
  for (const d of site.devices) {
    const kind = kinds.get(d.connector) ?? '?';
    const k = byKind.get(kind) ?? { sent: 0, stored: 0 };
    for (const metric of Object.keys(d.metrics)) {
      const id = store.seriesId(d.id, metric);
      for (const [from, to] of up) {
        k.sent += ((to - from) / 1000) * d.rateHz;
        k.stored += q.raw(id, from, to).ts.length;
      }
    }
    byKind.set(kind, k);
  }
  db.close();
  const how = args.stop === 'kill' ? 'SIGKILL' : 'SIGTERM';
  console.log(`demo site, ${kills} × ${how} in ${minutes} min (${root})`);
  for (const [kind, k] of byKind) {
    console.log(
      `  ${kind.padEnd(6)} sent ≈ ${Math.round(k.sent)}, stored ${k.stored} (${((100 * k.stored) / k.sent).toFixed(1)} %)`,
    );
  }
}

void main();
