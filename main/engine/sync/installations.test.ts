/**
 * Installation identity against the reference receiver (real SQLite files both ends,
 * 127.0.0.1): two sites into one receiver, a data folder deleted and made again, and a
 * database from before installations had an identity, upgraded with a batch on the wire.
 * Before the identity, every site sent `source: urn:fieldline:edge`, ids from its own outbox
 * sequence and keys of `sink-1` and that sequence: the second site's batches were dropped
 * as duplicates of the first's.
 */
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { Reading } from '../../../common/reading';
import { createReceiver, type Receiver } from '../../cloud-receiver/receiver';
import { openDatabase } from '../store/database';
import { silent, tempDataDir } from '../store/test-fixtures';
import { buildBatch } from './cloudevents';
import { createHttpTransport } from './http-transport';
import { LEGACY_SOURCE } from './legacy-inflight';
import { openSync, readingsBatch, waitUntil } from './test-fixtures';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function newReceiver(): Promise<Receiver> {
  const receiver = await createReceiver({ dbFile: path.join(tempDataDir('receiver'), 'r.sqlite') });
  cleanups.push(() => receiver.close());
  return receiver;
}

/** A site on its own data folder: a disabled sink, so the outbox fills first and batches fall the same way at every site. */
async function site(receiver: Receiver, dataDir = tempDataDir('site')) {
  const { db } = openDatabase({ dataDir, log: silent });
  const e = openSync({ db, dataDir, maxBatchReadings: 1000 });
  cleanups.push(
    () => {
      db.close();
    },
    () => e.sync.close(),
  );
  const sink = await e.sync.handlers['sync.addSink']({
    kind: 'http',
    name: 'cloud',
    enabled: false,
    config: { url: `${receiver.url}/v1/batches` },
  });
  return { ...e, sinkId: sink.id };
}

const renamed = (readings: Reading[], prefix: string) =>
  readings.map((r) => ({ ...r, deviceId: `${prefix}${r.deviceId}` }));

async function deliver(e: Awaited<ReturnType<typeof site>>, receiver: Receiver, expected: number) {
  await e.sync.handlers['sync.updateSink']({ id: e.sinkId, enabled: true });
  await waitUntil(
    () =>
      receiver.store.totalReadings() >= expected &&
      e.sync.status()[0]!.backlog.readings === 0 &&
      e.sync.status()[0]!.backlog.events === 0,
    'the backlog to drain',
    10_000,
  );
}

describe('installation identity: source, ids and keys scoped by it', () => {
  test('two sites into one receiver: every reading and every event of both stored, no batch dropped', async () => {
    const receiver = await newReceiver();
    const a = await site(receiver);
    const b = await site(receiver);
    expect(a.sync.installation.id).toMatch(UUID);
    expect(b.sync.installation.id).toMatch(UUID);
    expect(a.sync.installation.id).not.toBe(b.sync.installation.id);
    // sink ids carry the installation: two sites' MQTT topics ({sink}) never meet
    expect(a.sinkId).toBe(`sink-1-${a.sync.installation.id}`);
    expect(b.sinkId).not.toBe(a.sinkId);
    // the same outbox sequence at both sites: batches cover the same seq ranges
    for (const [e, prefix] of [
      [a, 'north-'],
      [b, 'south-'],
    ] as const) {
      e.sync.enqueueEvent('io.fieldline.audit.v1', 'gateway', { site: prefix });
      for (let n = 0; n < 8; n++) e.sync.onIngest(renamed(readingsBatch(n), prefix));
      e.sync.enqueueEvent('io.fieldline.audit.v1', 'gateway', { site: prefix, done: true });
    }
    await deliver(a, receiver, 8 * 500);
    await deliver(b, receiver, 16 * 500);

    expect(receiver.store.totalReadings()).toBe(16 * 500);
    expect(receiver.store.counters.duplicateBatches).toBe(0);
    expect(receiver.store.counters.duplicateEvents).toBe(0);
    for (const prefix of ['north-', 'south-']) {
      const want = readingsBatch(0).filter((r) => r.deviceId === 'dev-3' && r.metric === 'm1');
      expect(receiver.store.series(`${prefix}dev-3`, 'm1').ts.slice(0, want.length)).toEqual(
        want.map((r) => r.ts),
      );
    }
    const events = receiver.store.events();
    expect(events).toHaveLength(4);
    // CloudEvents §3.1.1: source + id identify an event; each site's own source, its ids e<seq>
    expect(new Set(events.map((e) => e.source))).toEqual(
      new Set([
        `urn:fieldline:installation:${a.sync.installation.id}`,
        `urn:fieldline:installation:${b.sync.installation.id}`,
      ]),
    );
    expect(events.filter((e) => e.id === 'e1')).toHaveLength(2);
  });

  test('a data folder deleted and made again is a new installation: what it sends next is stored too', async () => {
    const receiver = await newReceiver();
    const dataDir = tempDataDir('site');
    const first = await site(receiver, dataDir);
    for (let n = 0; n < 6; n++) first.sync.onIngest(readingsBatch(n));
    await deliver(first, receiver, 6 * 500);
    const firstId = first.sync.installation.id;
    await first.sync.close();
    first.db.close();

    // the identity survives a restart on the same folder
    const again = openSync({ db: openDatabase({ dataDir, log: silent }).db, dataDir });
    expect(again.sync.installation.id).toBe(firstId);
    await again.sync.close();
    again.db.close();

    rmSync(dataDir, { recursive: true, force: true });
    const second = await site(receiver, dataDir);
    expect(second.sync.installation.id).not.toBe(firstId);
    // the new outbox counts from 1 again; the same devices carry on where they were
    for (let n = 6; n < 12; n++) second.sync.onIngest(readingsBatch(n));
    await deliver(second, receiver, 12 * 500);
    expect(receiver.store.totalReadings()).toBe(12 * 500);
    expect(receiver.store.counters.duplicateBatches).toBe(0);
    const all = Array.from({ length: 12 }, (_, n) => readingsBatch(n)).flat();
    const want = all.filter((r) => r.deviceId === 'dev-0' && r.metric === 'm0').map((r) => r.ts);
    expect(receiver.store.series('dev-0', 'm0').ts).toEqual(want);
  });

  test('a database from before the identity: its in-flight batch is rebuilt with its old key and source, later ones scoped', async () => {
    const receiver = await newReceiver();
    const dataDir = tempDataDir('site');
    const old = await site(receiver, dataDir);
    old.sync.enqueueEvent('io.fieldline.audit.v1', 'gateway', { n: 1 });
    for (let n = 0; n < 3; n++) old.sync.onIngest(readingsBatch(n));
    old.sync.enqueueEvent('io.fieldline.audit.v1', 'gateway', { n: 2 });
    await old.sync.close();
    // what an older Fieldline left: sink "sink-1", no identity, rows 1..3 on the wire
    old.db.exec(`UPDATE sync_sinks SET id = 'sink-1', inflight = 3, enabled = 1;
      DELETE FROM settings WHERE key = 'installation';`);
    // ... and the receiver had stored them, under the key documented then (README, "The HTTP
    // contract": sha256 hex of "sinkId\nchannel\nfirstSeq\nlastSeq")
    const oldKey = createHash('sha256').update('sink-1\nraw\n1\n3').digest('hex');
    const onWire = await buildBatch(
      'sink-1',
      { source: LEGACY_SOURCE, installationId: null },
      old.sync.outbox.read(0, 3),
    );
    expect(onWire.key).toBe(oldKey);
    const http = createHttpTransport({ url: `${receiver.url}/v1/batches` });
    expect(await http.send(onWire)).toEqual({ kind: 'ok' });
    await http.close();
    old.db.close();

    const upgraded = openSync({
      db: openDatabase({ dataDir, log: silent }).db,
      dataDir,
      maxBatchReadings: 1000,
    });
    cleanups.push(
      () => {
        upgraded.db.close();
      },
      () => upgraded.sync.close(),
    );
    const id = upgraded.sync.installation.id;
    expect(id).toMatch(UUID);
    await waitUntil(
      () =>
        upgraded.sync.status()[0]!.backlog.readings === 0 && upgraded.sync.status()[0]!.backlog.events === 0,
      'the backlog to drain',
    );
    // the rebuilt batch was recognised whole; nothing stored twice
    expect(receiver.store.counters.duplicateBatches).toBe(1);
    expect(receiver.store.counters.duplicateEvents).toBe(0);
    expect(receiver.store.totalReadings()).toBe(3 * 500);
    expect(receiver.store.events().map((e) => [e.source, e.id])).toEqual([
      [LEGACY_SOURCE, 'e1'],
      [`urn:fieldline:installation:${id}`, 'e5'],
    ]);
    // the sink made before keeps its id; a new one is scoped
    const added = await upgraded.sync.handlers['sync.addSink']({
      kind: 'http',
      name: 'second',
      enabled: false,
      config: { url: `${receiver.url}/v1/batches` },
    });
    expect(upgraded.sync.status().map((s) => s.id)).toEqual(['sink-1', added.id]);
    expect(added.id).toBe(`sink-2-${id}`);
  });
});
