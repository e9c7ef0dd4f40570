// npm run bench:memory [minutes] — runs the demo site in the headless host with a browser
// watching a device page (so live streams flow), samples the engine process's resident
// memory every 30 s and prints it. Default 10 minutes.

import { enginePid, freshDataDir, launchChromium, rssMiB, startServe } from './bench-lib.mjs';
import { buildIfStale } from './build-if-stale.mjs';

const minutes = Number(process.argv[2] ?? 10);
buildIfStale();
const { child, ready } = startServe(['--port', '0', '--data-dir', freshDataDir('memory')]);
const url = await ready;
const pid = enginePid(child.pid);
const browser = await launchChromium();
const page = await browser.newPage();
await page.goto(url);
await page.locator('[data-testid="device-row"]').first().click();

const started = Date.now();
const samples = [];
const sample = () => {
  const s = { minute: (Date.now() - started) / 60_000, rss: rssMiB(pid) };
  samples.push(s);
  console.log(`${s.minute.toFixed(1).padStart(5)} min  engine RSS ${s.rss.toFixed(1)} MiB`);
};
sample();
await new Promise((resolve) => {
  const timer = setInterval(() => {
    sample();
    if (Date.now() - started >= minutes * 60_000) {
      clearInterval(timer);
      resolve();
    }
  }, 30_000);
});
const points = await page.locator('[data-testid="metric-chart"]').first().getAttribute('data-points');
await browser.close();
child.kill('SIGTERM');
const first = samples[1] ?? samples[0];
const last = samples[samples.length - 1];
console.log(
  `after ${minutes} min: engine RSS ${last.rss.toFixed(1)} MiB (at 0.5 min: ${first.rss.toFixed(1)} MiB); chart points on screen: ${points}`,
);
