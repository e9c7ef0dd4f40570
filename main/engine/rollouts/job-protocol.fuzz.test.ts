/**
 * Hostile device input: random topics and payloads never throw out of the protocol parsers,
 * and random report sequences never move a device backwards or out of a final state
 * (except by a rollback).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { CampaignConfigSchema, ROLLOUT_DEVICE_STATES } from '../../../common/rollout-contract';
import { openDatabase } from '../store/database';
import { silent, tempDataDir } from '../store/test-fixtures';
import {
  ChunkRequestSchema,
  HeartbeatSchema,
  MAX_REQUEST_BYTES,
  parseBody,
  parseRequestTopic,
  UpdateRequestSchema,
} from './job-protocol';
import { type DeviceReport, isTerminal, RolloutEngine, rollbackJobId } from './rollout-engine';
import { RolloutStore } from './rollout-store';

/** xorshift32: the same "random" inputs in every run, so a failure can be replayed */
function rng(seed: number) {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const PIECES = [
  'fieldline',
  'dev-1',
  'jobs',
  '$next',
  'get',
  'start-next',
  'update',
  'chunk',
  'heartbeat',
  '',
  '+',
  '#',
  'a.b',
  '..',
  'x'.repeat(200),
];

describe('job protocol fuzz', () => {
  test('random topics and payloads: a parse result or a refusal, never an exception', () => {
    const r = rng(11);
    for (let i = 0; i < 5000; i++) {
      const topic = Array.from(
        { length: 1 + Math.floor(r() * 7) },
        () => PIECES[Math.floor(r() * PIECES.length)],
      ).join('/');
      expect(() => parseRequestTopic(topic)).not.toThrow();
      const kind = r();
      const payload =
        kind < 0.3
          ? randomBytes(Math.floor(r() * 64))
          : kind < 0.6
            ? Buffer.from(
                JSON.stringify({
                  status: ['IN_PROGRESS', 'DONE', 1, null][Math.floor(r() * 4)],
                  statusDetails:
                    r() < 0.5 ? 'x' : { step: 'installing', reason: 'y'.repeat(Math.floor(r() * 900)) },
                  offset: Math.floor(r() * 1e6) - 10,
                  length: Math.floor(r() * 70_000),
                }),
              )
            : Buffer.from(
                ['{}', '[]', 'null', '"s"', '{"version":""}', '{"__proto__":{"x":1}}'][Math.floor(r() * 6)] ??
                  '{}',
              );
      expect(typeof parseBody(payload, UpdateRequestSchema).ok).toBe('boolean');
      expect(typeof parseBody(payload, ChunkRequestSchema).ok).toBe('boolean');
      expect(typeof parseBody(payload, HeartbeatSchema).ok).toBe('boolean');
    }
    expect(parseBody(Buffer.alloc(MAX_REQUEST_BYTES + 1, 0x20), HeartbeatSchema)).toMatchObject({
      ok: false,
      code: 'InvalidRequest',
    });
    expect(parseRequestTopic('fieldline/dev-1/jobs/c1/update')).toEqual({
      kind: 'update',
      deviceId: 'dev-1',
      jobId: 'c1',
    });
    expect(parseRequestTopic('fieldline/dev-1/jobs/c1/update/accepted')).toBeNull();
    expect(parseRequestTopic('fieldline/a+b/jobs/start-next')).toBeNull();
  });

  test('random report sequences never move a device backwards or out of a final state', () => {
    const { db } = openDatabase({ dataDir: tempDataDir('rollout-fuzz'), log: silent });
    const ids = Array.from({ length: 40 }, (_, i) => `d${i}`);
    const clock = { t: 1_000_000 };
    const engine = new RolloutEngine({
      store: new RolloutStore(db),
      channel: { publish() {} },
      candidates: () => ids.map((id) => ({ id, site: null, profile: 'p', tags: [], firmwareVersion: '1' })),
      now: () => clock.t,
    });
    engine.create(
      CampaignConfigSchema.parse({
        name: 'fuzz',
        firmware: { sha256: 'cd'.repeat(32), version: '2' },
        waves: [100],
        failureThreshold: { count: 1000, pct: 100, minExecuted: 1000 },
        soakMs: 5000,
        deviceTimeoutMs: 20_000,
      }),
      'fuzz',
      'fz',
    );
    const order = new Map(ROLLOUT_DEVICE_STATES.map((s, i) => [s, i]));
    const r = rng(7);
    const statuses: DeviceReport['status'][] = ['IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'REJECTED'];
    const steps = ['downloading', 'installing', 'rebooting', undefined] as const;
    for (let i = 0; i < 4000; i++) {
      const id = ids[Math.floor(r() * ids.length)] ?? 'd0';
      const before = engine.get('fz').devices.find((d) => d.deviceId === id);
      const action = r();
      if (action < 0.7)
        engine.report(
          id,
          r() < 0.9 ? 'fz' : rollbackJobId('fz'),
          {
            status: statuses[Math.floor(r() * 4)] ?? 'IN_PROGRESS',
            step: steps[Math.floor(r() * 4)],
            reason: r() < 0.3 ? 'incompatible' : 'x',
            version: r() < 0.5 ? '2' : '1',
          },
          r() < 0.1 ? Math.floor(r() * 5) : undefined,
        );
      else if (action < 0.85) engine.heartbeat(id, r() < 0.7 ? '2' : '1');
      else if (action < 0.95) engine.startNext(id);
      else {
        clock.t += 3000;
        engine.tick();
      }
      const after = engine.get('fz').devices.find((d) => d.deviceId === id);
      if (!before || !after) throw new Error('device vanished');
      if (isTerminal(before.state)) {
        expect(after.state === before.state || after.state === 'rolled_back').toBe(true);
      } else if (!isTerminal(after.state)) {
        expect(order.get(after.state) ?? 0).toBeGreaterThanOrEqual(order.get(before.state) ?? 0);
      }
    }
    db.close();
  });
});
