// npm run bench:soak -- [--minutes N] [--every S] [--copies C] [--rate X] [--retention-every S]
//                       [--quota-mib M] [--heap-snapshots]
//
// Runs the headless host (out/main/server.js, as `npm run serve` does) on a fresh data
// folder with the demo site scaled up: every demo device C times over (default 2) at X times
// its rate (default 2.5), so about 650 readings a second flow through the real connectors,
// ingest, compaction (every minute) and the live stream to one subscribed client, which
// also asks what an open window asks every 5 s (fleet, cache status, a device's chart). A
// retention pass runs every S seconds (default 60) against a cache quota of M MiB (default
// 24), so the quota keeps shedding the oldest data. Every `--every` seconds (default 30) it
// asks the engine for its memory after a full garbage collection (the host runs with
// --expose-gc) and prints RSS, V8 heap used, external and array buffers, and the SQLite page
// cache (its limit, and the most it can hold now: database + WAL pages, capped by the
// limit). At the end: the least-squares slope of RSS and heap in MiB per hour over the last
// half of the run. --heap-snapshots writes a V8 heap snapshot at the half and at the end
// (into the data folder) to diff by constructor.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { enginePid, freshDataDir, startServe } from './bench-lib.mjs';
import { buildIfStale, repoRoot } from './build-if-stale.mjs';
import { lastHalfSlopePerHour, readingsPerSecond, scaledDemoSite } from './soak-stats.mjs';

const { values: opts } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    every: { type: 'string', default: '30' },
    copies: { type: 'string', default: '2' },
    rate: { type: 'string', default: '2.5' },
    'retention-every': { type: 'string', default: '60' },
    'quota-mib': { type: 'string', default: '24' },
    'heap-snapshots': { type: 'boolean', default: false },
  },
  strict: true,
});
const minutes = Number(opts.minutes);
const everyMs = Number(opts.every) * 1000;
const copies = Number(opts.copies);
const rateScale = Number(opts.rate);
const retentionMs = Number(opts['retention-every']) * 1000;
const quotaBytes = Math.round(Number(opts['quota-mib']) * 1024 * 1024);
for (const [name, v] of Object.entries({ minutes, everyMs, copies, rateScale, retentionMs, quotaBytes })) {
  if (!Number.isFinite(v) || v <= 0) throw new Error(`bench:soak: ${name} must be a positive number`);
}

buildIfStale();
const dataDir = freshDataDir('soak');
const site = scaledDemoSite(
  JSON.parse(readFileSync(path.join(repoRoot, 'resources/demo-site.json'), 'utf8')),
  copies,
  rateScale,
);
const siteFile = path.join(dataDir, 'soak-site.json');
writeFileSync(siteFile, JSON.stringify(site, null, 2));

const { child, ready } = startServe(['--port', '0', '--data-dir', dataDir, '--demo-site', siteFile], {
  nodeOptions: `--expose-gc --heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${dataDir}`,
});
const url = new URL(await ready);
const pid = enginePid(child.pid);
let finished = false;
child.on('exit', (code, signal) => {
  if (finished) return;
  console.log(`the host exited during the run (code ${code}, signal ${signal}): no figures`);
  process.exit(1);
});
const rpc = await connect(url);
// one client watching everything, as the UI's fleet view with a chart open does
for (const stream of ['readings.live', 'devices.changed', 'connectors.changed'])
  await rpc.request('stream.subscribe', { stream });
let liveMessages = 0;
rpc.onStream(() => liveMessages++);
await rpc.request('store.configure', { quotaBytes });

const mib = (bytes) => bytes / 1024 / 1024;
const fmt = (value, width = 7) => value.toFixed(1).padStart(width);
console.log(
  `soak: ${site.devices.length} devices, ${readingsPerSecond(site).toFixed(0)} readings/s, ` +
    `${minutes} min, sample every ${everyMs / 1000} s, retention every ${retentionMs / 1000} s ` +
    `at a ${fmt(mib(quotaBytes), 0)} MiB quota; engine pid ${pid}, data ${dataDir}`,
);
console.log(
  '  min    RSS   heap   extern  arrbuf  sqlite-cache(bound/limit)   db+wal   stored     live msgs  (MiB, after a full GC)',
);

const started = Date.now();
const samples = [];
let snapshotsTaken = 0;
const sample = async () => {
  const m = await rpc.request('engine.memory', { collect: true });
  const stats = await rpc.request('engine.stats');
  const s = {
    minute: (Date.now() - started) / 60_000,
    rss: mib(m.rssBytes),
    heap: mib(m.heapUsedBytes),
    external: mib(m.externalBytes),
    arrayBuffers: mib(m.arrayBuffersBytes),
  };
  samples.push(s);
  const cache = `${fmt(mib(m.sqlite.cacheBoundBytes), 5)} / ${fmt(mib(m.sqlite.cacheLimitBytes), 4)}`;
  console.log(
    `${fmt(s.minute, 5)} ${fmt(s.rss)}${fmt(s.heap)}${fmt(s.external, 8)}${fmt(s.arrayBuffers, 8)}` +
      `      ${cache}          ${fmt(mib(m.sqlite.databaseFileBytes + m.sqlite.walFileBytes))}` +
      `  ${String(stats.storedTotal).padStart(9)}  ${String(liveMessages).padStart(9)}`,
  );
  if (!m.collected) console.log('  (no full GC: the engine was not started with --expose-gc)');
};
const snapshot = () => {
  if (!opts['heap-snapshots']) return;
  snapshotsTaken++;
  process.kill(pid, 'SIGUSR2');
};

await sample();
const retentionTimer = setInterval(() => {
  rpc.request('store.configure', { quotaBytes }).catch((error) => console.log(`retention: ${error.message}`));
}, retentionMs);
// what an open window asks every few seconds: the fleet, the cache status, and a device
// page's chart (last 10 minutes, 1000 px wide), a different device each time
let viewed = 0;
const uiTimer = setInterval(() => {
  const d = site.devices[viewed++ % site.devices.length];
  const to = Date.now();
  Promise.all([
    rpc.request('devices.list'),
    rpc.request('store.status'),
    ...Object.keys(d.metrics).map((metric) =>
      rpc.request('readings.query', { deviceId: d.id, metric, from: to - 600_000, to, pixelWidth: 1000 }),
    ),
  ]).catch((error) => console.log(`ui: ${error.message}`));
}, 5000);
await new Promise((resolve, reject) => {
  let halfDone = false;
  const timer = setInterval(() => {
    const elapsed = Date.now() - started;
    if (!halfDone && elapsed >= (minutes * 60_000) / 2) {
      halfDone = true;
      snapshot();
    }
    sample().then(() => {
      if (elapsed >= minutes * 60_000) {
        clearInterval(timer);
        resolve();
      }
    }, reject);
  }, everyMs);
});
clearInterval(retentionTimer);
clearInterval(uiTimer);
snapshot();

const rssSlope = lastHalfSlopePerHour(samples, (s) => s.rss);
const heapSlope = lastHalfSlopePerHour(samples, (s) => s.heap);
const first = samples[0];
const last = samples[samples.length - 1];
console.log(
  `after ${fmt(last.minute, 0)} min: RSS ${fmt(first.rss, 0)} -> ${fmt(last.rss, 0)} MiB, ` +
    `heap ${fmt(first.heap, 0)} -> ${fmt(last.heap, 0)} MiB`,
);
console.log(
  `slope over the last half (least squares): RSS ${rssSlope.toFixed(2)} MiB/h, heap ${heapSlope.toFixed(2)} MiB/h`,
);
if (snapshotsTaken > 0) {
  await new Promise((r) => setTimeout(r, 20_000));
  const written = readdirSync(dataDir).filter((f) => f.endsWith('.heapsnapshot'));
  console.log(`heap snapshots in ${dataDir}: ${written.join(', ')}`);
  console.log(
    '(writing a snapshot raises RSS for the rest of the run: read the RSS slope from a run without them)',
  );
}
rpc.close();
finished = true;
child.kill('SIGTERM');

/** A minimal RPC client: requests and the stream messages, over the host's WebSocket. */
async function connect(hostUrl) {
  const token = new URLSearchParams(hostUrl.hash.slice(1)).get('token') ?? '';
  const ws = new WebSocket(`ws://${hostUrl.host}/rpc`, [`fieldline.token.${token}`], {
    headers: { Origin: hostUrl.origin },
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let nextId = 1;
  const pending = new Map();
  const streamListeners = [];
  ws.on('message', (data) => {
    const message = JSON.parse(data.toString());
    if (typeof message.stream === 'string') for (const l of streamListeners) l(message);
    else pending.get(message.id)?.(message);
  });
  return {
    request(method, params) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${method}: no answer in 60 s`)), 60_000);
        pending.set(id, (message) => {
          clearTimeout(timer);
          pending.delete(id);
          if (message.error) reject(new Error(`${method}: ${JSON.stringify(message.error)}`));
          else resolve(message.result);
        });
        ws.send(JSON.stringify({ id, method, params }));
      });
    },
    onStream: (listener) => streamListeners.push(listener),
    close: () => ws.close(),
  };
}
