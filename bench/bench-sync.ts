/**
 * npm run bench:sync [-- readings=10000000] [series=1000] [batchReadings=100000]
 *
 * Fills a real outbox (SQLite file) with `readings` readings as the ingest pipeline would
 * (batches of 5,000 over `series` series at 1 Hz device time with a few ms of clock jitter,
 * sensor values with 2 decimals), then drains it through the HTTP sink to the reference
 * receiver running as its own process on 127.0.0.1 (storing into its own SQLite file, deduping
 * every reading), and prints readings/s and bytes on the wire per reading.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Reading } from '../common/reading';
import { createLogger } from '../main/engine/log';
import { MasterKey } from '../main/engine/secrets/master-key';
import { SecretStore } from '../main/engine/secrets/secret-store';
import { openDatabase } from '../main/engine/store/database';
import { createSync } from '../main/engine/sync/sync-service';

const total = Number(process.argv[2] ?? 10_000_000);
const seriesCount = Number(process.argv[3] ?? 1000);
const batchReadings = Number(process.argv[4] ?? 100_000);
const INGEST_BATCH = 5000;
const T0 = Date.UTC(2026, 0, 1);
const log = createLogger({ level: 'warn' });

function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function startReceiver(dir: string): Promise<{ url: string; stop: () => void }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(__dirname, '../main/cloud-receiver/cli.ts'),
      '--port',
      '0',
      '--db',
      path.join(dir, 'receiver.sqlite'),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`receiver exited (${code})`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

async function getJson(url: string): Promise<Record<string, number>> {
  const res = await fetch(url);
  return (await res.json()) as Record<string, number>;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-bench-sync-'));
  const { db } = openDatabase({ dataDir: dir, log });
  const secrets = new SecretStore(db, new MasterKey(randomBytes(32)));
  const sync = createSync({ db, secrets, log, maxBatchReadings: batchReadings });
  const receiver = await startReceiver(dir);
  try {
    const sink = await sync.handlers['sync.addSink']({
      kind: 'http',
      name: 'bench',
      enabled: false,
      config: { url: `${receiver.url}/v1/batches` },
    });

    // fill: what ingest would hand the outbox, batch by batch
    const rnd = random(7);
    const phase = Array.from({ length: seriesCount }, () => rnd() * 1000);
    let written = 0;
    let fillMs = 0;
    while (written < total) {
      const batch: Reading[] = [];
      while (batch.length < INGEST_BATCH && written + batch.length < total) {
        const i = written + batch.length;
        const s = i % seriesCount;
        const k = Math.floor(i / seriesCount);
        const x = 20 + 2 * Math.sin((2 * Math.PI * (k + phase[s]!)) / 900) + (rnd() * 2 - 1) * 0.03;
        batch.push({
          deviceId: `device-${String(Math.floor(s / 5)).padStart(4, '0')}`,
          metric: ['temperature', 'humidity', 'pressure', 'flow', 'vibration'][s % 5]!,
          ts: T0 + k * 1000 + Math.round((rnd() * 2 - 1) * 3),
          value: Math.round(x * 100) / 100,
          quality: 'good',
          source: 'bench',
        });
      }
      const started = performance.now();
      db.transaction(() => sync.onIngest(batch))();
      fillMs += performance.now() - started;
      written += batch.length;
    }
    const outboxBytes = db.prepare('SELECT sum(length(body)) FROM outbox').pluck().get() as number;
    console.log(
      `outbox filled: ${written.toLocaleString()} readings over ${seriesCount} series in ` +
        `${(fillMs / 1000).toFixed(1)} s of writes (${Math.round(written / (fillMs / 1000)).toLocaleString()} readings/s), ` +
        `${(outboxBytes / written).toFixed(2)} bytes/reading in the outbox`,
    );

    const started = performance.now();
    await sync.handlers['sync.updateSink']({ id: sink.id, enabled: true });
    for (;;) {
      await new Promise((r) => setTimeout(r, 200));
      const s = sync.status()[0]!;
      if (s.backlog.readings === 0 && s.backlog.events === 0) break;
    }
    const seconds = (performance.now() - started) / 1000;
    const s = sync.status()[0]!;
    const counters = await getJson(`${receiver.url}/admin/counters`);
    // request line and headers as the HTTP sink sends them (keep-alive, so no TCP setup per batch)
    const headerBytes = 330 * s.delivered.batches;
    const wire = s.delivered.bytes + headerBytes;
    console.log(
      `drained: ${s.delivered.readings.toLocaleString()} readings in ${seconds.toFixed(1)} s = ` +
        `${Math.round(s.delivered.readings / seconds).toLocaleString()} readings/s, ` +
        `${s.delivered.batches} batches, ${(wire / s.delivered.readings).toFixed(2)} bytes on the wire per reading ` +
        `(${(s.delivered.bytes / s.delivered.readings).toFixed(2)} gzip body + headers)`,
    );
    console.log(
      `receiver: ${counters.stored?.toLocaleString()} readings stored, ${counters.duplicateReadings} duplicate readings, ` +
        `${counters.duplicateBatches} duplicate batches; retries ${s.retries}`,
    );
    if (counters.stored !== total) throw new Error(`receiver holds ${counters.stored}, expected ${total}`);
  } finally {
    await sync.close();
    receiver.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
