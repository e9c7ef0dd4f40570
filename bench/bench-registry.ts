/**
 * npm run bench:registry [devices]
 *
 * A registry of 10,000 devices (default) in a real SQLite file, served by a real engine
 * over its RPC transport, asked what the registry screen asks while a technician types:
 * one page (200 rows) searched, filtered and sorted. Prints p50/p95/max per query, the
 * time from the request leaving to the validated page arriving, as the UI sees it.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEngine } from '../main/engine/engine';
import { createLogger } from '../main/engine/log';
import { seedFleet } from '../main/engine/registry/seed-fleet';
import { openDatabase } from '../main/engine/store/database';
import { transportPair } from '../main/engine/test-transport';

const DEVICES = Number(process.argv[2] ?? 10_000);
const RUNS = 200;

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-bench-registry-'));
const log = createLogger({ level: 'warn' });
{
  const { db } = openDatabase({ dataDir, log });
  seedFleet(db, DEVICES);
  db.close();
}

async function main(): Promise<void> {
  const began = performance.now();
  const engine = await createEngine({ dataDir, demo: false, host: 'test', log });
  const loadMs = performance.now() - began;
  const [server, clientEnd] = transportPair();
  engine.connect(server);
  // resolved on arrival, not polled: the figure is the round trip, not a poll interval
  const waiting = new Map<number, (reply: Record<string, unknown>) => void>();
  clientEnd.onMessage((m) => {
    const reply = m as Record<string, unknown>;
    waiting.get(reply.id as number)?.(reply);
  });
  let nextId = 1;
  const client = {
    call(method: string, params: unknown): Promise<Record<string, unknown>> {
      const id = nextId++;
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        clientEnd.send({ id, method, params });
      });
    },
  };

  const queries: [string, Record<string, unknown>][] = [
    ['first page, sorted by name', { sort: 'name', limit: 200 }],
    ['search "sensor 04" (typing)', { search: 'sensor 04', limit: 200 }],
    ['search by serial fragment', { search: 'sn1', limit: 200 }],
    ['site + lifecycle filter', { site: 'Harbour', lifecycle: 'active', limit: 200 }],
    [
      'tag filter, sorted by firmware desc',
      { tag: 'critical', sort: 'firmware', descending: true, limit: 200 },
    ],
    ['deep page (offset 9,000)', { sort: 'site', offset: 9000, limit: 200 }],
  ];

  const pct = (sorted: number[], p: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
  console.log(`registry of ${DEVICES.toLocaleString('en')} devices, engine start ${loadMs.toFixed(0)} ms`);
  for (const [label, params] of queries) {
    const times: number[] = [];
    let total = 0;
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const reply = await client.call('registry.list', params);
      times.push(performance.now() - t0);
      if (reply.error) throw new Error(JSON.stringify(reply.error));
      total = (reply.result as { total: number }).total;
    }
    times.sort((a, b) => a - b);
    console.log(
      `${label.padEnd(40)} ${String(total).padStart(6)} matches   p50 ${pct(times, 0.5).toFixed(2)} ms   p95 ${pct(times, 0.95).toFixed(2)} ms   max ${times.at(-1)!.toFixed(2)} ms`,
    );
  }
  await engine.close();
}

void main();
