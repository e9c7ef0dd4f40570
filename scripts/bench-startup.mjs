// npm run bench:startup — time from `npm run serve` (spawned) to the first point drawn on
// a device page's chart in Chromium, over a fresh data folder each run. Prints a table and
// the median. The build is made first and not counted (serve.mjs only rebuilds when stale).
import { performance } from 'node:perf_hooks';
import { freshDataDir, launchChromium, median, startServe } from './bench-lib.mjs';
import { buildIfStale } from './build-if-stale.mjs';

const runs = Number(process.argv[2] ?? 5);
buildIfStale();
const browser = await launchChromium();
const rows = [];
for (let run = 1; run <= runs; run++) {
  const t0 = performance.now();
  const { child, ready } = startServe(['--port', '0', '--data-dir', freshDataDir('startup')]);
  const url = await ready;
  const tUrl = performance.now();
  const page = await browser.newPage();
  await page.goto(url);
  const row = page.locator('[data-testid="device-row"]').first();
  await row.waitFor();
  const tFleet = performance.now();
  await row.click();
  await page.waitForFunction(
    () =>
      [...document.querySelectorAll('[data-testid="metric-chart"]')].some(
        (el) => Number(el.getAttribute('data-points')) > 0,
      ),
    undefined,
    { polling: 10, timeout: 60_000 },
  );
  const tPoint = performance.now();
  rows.push({ run, urlPrinted: tUrl - t0, fleetShown: tFleet - t0, firstChartPoint: tPoint - t0 });
  await page.close();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}
await browser.close();

const fmt = (ms) => `${ms.toFixed(0).padStart(6)} ms`;
console.log('run   url printed   fleet shown   first chart point   (from spawning npm run serve)');
for (const r of rows)
  console.log(
    `${String(r.run).padStart(3)}   ${fmt(r.urlPrinted)}     ${fmt(r.fleetShown)}     ${fmt(r.firstChartPoint)}`,
  );
console.log(
  `median first chart point: ${median(rows.map((r) => r.firstChartPoint)).toFixed(0)} ms over ${runs} runs`,
);
