/**
 * npx tsx bench/bench-mqtt.ts [messages=500000] [devices=1000] [rate=0]
 *
 * End to end through a real broker: a publisher (its own thread) sends QoS 0 JSON
 * {ts, seq, value} messages over `bench/{deviceId}/v` for 1,000 devices as fast as a
 * mosquitto on 127.0.0.1 takes them; the MQTT connector decodes them and the ingest
 * pipeline (validator + batches) commits them into a real ReadingStore in SQLite.
 * The publish time travels in `value`, so publish → commit latency is measured per
 * message. Prints messages/s from the first publish to the last commit, and p50/p99.
 * With rate > 0 the publisher paces itself to that many messages/s: flat out, latency
 * is mostly the broker's queue; paced, it is what a live chart sees.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { MosquittoBroker, waitFor } from '../main/engine/connectors/mqtt/mosquitto-harness';
import { createMqttConnector } from '../main/engine/connectors/mqtt/mqtt-connector';
import { IngestPipeline } from '../main/engine/ingest/pipeline';
import { ReadingValidator } from '../main/engine/ingest/validate';
import { createLogger } from '../main/engine/log';
import { openDatabase } from '../main/engine/store/database';
import { ReadingStore } from '../main/engine/store/reading-store';

const total = Number(process.argv[2] ?? 500_000);
const deviceCount = Number(process.argv[3] ?? 1000);
const rate = Number(process.argv[4] ?? 0);
const log = createLogger({ level: 'warn' });
const now = () => performance.timeOrigin + performance.now();

const PUBLISHER = `
const { parentPort, workerData } = require('node:worker_threads');
const mqtt = require(workerData.mqttPath);
const { url, total, devices, t0, rate } = workerData;
const now = () => performance.timeOrigin + performance.now();
const client = mqtt.connect(url, { protocolVersion: 5, clientId: 'bench-publisher', reconnectPeriod: 0 });
client.on('error', (e) => parentPort.postMessage({ error: e.message }));
client.on('connect', async () => {
  parentPort.postMessage({ started: now() });
  const stream = client.stream;
  const perDevice = new Int32Array(devices);
  const begin = now();
  for (let i = 0; i < total; i++) {
    if (rate > 0 && (i & 63) === 0) {
      while (i > ((now() - begin) * rate) / 1000) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const d = i % devices;
    const k = perDevice[d]++;
    const body = '{"ts":' + (t0 + k * 1000) + ',"seq":' + k + ',"value":' + now().toFixed(3) + '}';
    client.publish('bench/dev-' + d + '/v', body, { qos: 0 });
    if ((i & 255) === 255 && stream.writableLength > 4 * 1024 * 1024) {
      await new Promise((resolve) => stream.once('drain', resolve));
    }
  }
  client.end(false, () => parentPort.postMessage({ done: now() }));
});
`;

async function main(): Promise<void> {
  console.log(
    `cores: ${os.availableParallelism()} (${os.cpus()[0]?.model ?? 'unknown cpu'}), node ${process.version}`,
  );
  console.log(
    `messages: ${total.toLocaleString()} over ${deviceCount} devices, QoS 0 JSON {ts,seq,value}, ` +
      (rate > 0 ? `paced at ${rate.toLocaleString()} msg/s` : 'flat out'),
  );
  const broker = new MosquittoBroker({ maxQueued: 10_000_000 });
  await broker.start();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-bench-mqtt-'));
  const { db, file } = openDatabase({ dataDir, log });
  const store = new ReadingStore(db, file, log);
  const pipeline = new IngestPipeline({
    store,
    validator: new ReadingValidator(() => undefined),
    log,
    maxQueued: 2_000_000,
  });

  const latencies = new Float64Array(total);
  let committed = 0;
  let duplicates = 0;
  let lastCommit = 0;
  pipeline.onBatch((result) => {
    const t = now();
    for (const r of result.accepted) {
      if (committed < total) latencies[committed] = t - (r.value ?? t);
      committed++;
    }
    duplicates += result.duplicates;
    lastCommit = t;
  });

  const connector = createMqttConnector(
    {
      id: 'bench',
      url: broker.url,
      qos: 0,
      subscriptions: [{ topicTemplate: 'bench/{deviceId}/{metric}' }],
    },
    {
      readings: (batch) => pipeline.push(batch),
      deviceSeen: (d) => store.upsertDevice(d),
      statusChanged: () => {},
    },
    log,
  );
  connector.start();
  await waitFor(() => connector.status().state === 'connected', 'connector connected');

  const t0 = Math.floor(Date.now() / 1000) * 1000 - (Math.ceil(total / deviceCount) + 10) * 1000;
  let started = 0;
  let published = 0;
  const worker = new Worker(PUBLISHER, {
    eval: true,
    workerData: { url: broker.url, total, devices: deviceCount, t0, rate, mqttPath: require.resolve('mqtt') },
  });
  worker.on('message', (m: { started?: number; done?: number; error?: string }) => {
    if (m.started) started = m.started;
    if (m.done) published = m.done;
    if (m.error) console.error('publisher:', m.error);
  });

  // finished when everything is committed, or nothing moved for 5 s (QoS 0 may drop)
  let lastSeen = -1;
  let idleSince = Date.now();
  while (committed < total) {
    await new Promise((r) => setTimeout(r, 100));
    const seen = connector.status().messagesIn;
    if (seen !== lastSeen) {
      lastSeen = seen;
      idleSince = Date.now();
    } else if (Date.now() - idleSince > 5000 && published > 0) break;
    if (Date.now() - idleSince > 60_000) break;
  }
  pipeline.flush();
  await connector.stop();
  await worker.terminate();
  const s = connector.status();
  const elapsed = (lastCommit - started) / 1000;
  const n = Math.min(committed, total);
  const sorted = latencies.subarray(0, n).sort();
  const pct = (p: number) => sorted[Math.min(n - 1, Math.floor(n * p))] ?? Number.NaN;
  console.log(`publisher: ${total.toLocaleString()} sent in ${((published - started) / 1000).toFixed(2)} s`);
  console.log(
    `connector: ${s.messagesIn.toLocaleString()} messages in, ${s.readingsIn.toLocaleString()} readings, ${s.decodeErrors} decode errors`,
  );
  console.log(
    `store: ${committed.toLocaleString()} committed, ${duplicates} duplicates, ${pipeline.counters.batches} batches, ${pipeline.counters.spilled} spilled`,
  );
  console.log(
    `end to end (first publish → last commit): ${(n / elapsed).toFixed(0)} msg/s over ${elapsed.toFixed(2)} s`,
  );
  console.log(
    `latency publish → commit: p50 ${pct(0.5).toFixed(1)} ms, p99 ${pct(0.99).toFixed(1)} ms, max ${pct(1).toFixed(1)} ms`,
  );
  if (s.messagesIn < total)
    console.log(`lost by the broker (QoS 0): ${(total - s.messagesIn).toLocaleString()}`);
  pipeline.close();
  db.close();
  await broker.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
