/**
 * Hostile input for the MQTT payload decoders: random bytes, truncated and bit-flipped
 * Sparkplug protobufs, huge payloads, deeply nested JSON, odd topics. Every input gives
 * readings or an error, never an exception, and within a bounded time.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type PayloadMapping, PayloadMappingSchema } from '../../../../common/payload-mapping';
import { decodeMqttPayload, type MqttPayloadResult } from '../../decoders/mqtt-payload';
import { decodeMetricPayload } from '../../decoders/topic-template';
import {
  decodeSparkplugPayload,
  parseSparkplugTopic,
  type SparkplugTopic,
  SparkplugTracker,
  sparkplugCodec,
} from './sparkplug';
import { decodeStatePayload, HostStates } from './sparkplug-state';

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBytes(random: () => number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(random() * 256);
  return b;
}

const T0 = Date.UTC(2026, 0, 1);
const NOW = T0 + 5000;
const FRAGMENTS = [
  '{',
  '}',
  '[',
  ']',
  '"ts"',
  '"seq"',
  '"value"',
  '"v"',
  ':',
  ',',
  '1',
  '-',
  '.5e3',
  'null',
  'true',
  ' ',
  '\ufeff',
  `${T0}`,
  '"x"',
  'NaN',
  '1e400',
  '\u00ff',
];

describe('JSON metric payloads', () => {
  it('decodes exactly like decoders/topic-template on random and JSON-like input', () => {
    const random = prng(1);
    for (let i = 0; i < 20_000; i++) {
      let input: Buffer;
      if (i % 3 === 0) input = randomBytes(random, Math.floor(random() * 64));
      else {
        let s = '';
        const parts = 1 + Math.floor(random() * 12);
        for (let k = 0; k < parts; k++) s += FRAGMENTS[Math.floor(random() * FRAGMENTS.length)];
        input = Buffer.from(s);
      }
      const out = decodeMetricPayload(input, NOW);
      expect(
        'error' in out || (Number.isInteger(out.ts) && (out.value === null || Number.isFinite(out.value))),
      ).toBe(true);
    }
    const cases: [string, unknown][] = [
      [`{"ts":${T0},"seq":3,"value":1.5}`, { ts: T0, value: 1.5, seq: 3 }],
      [`\ufeff{"ts":${T0},"v":2}`, { ts: T0, value: 2 }],
      [' 42 ', { ts: NOW, value: 42 }],
      ['null', { ts: NOW, value: null }],
      ['[1]', { error: expect.any(String) }],
      ['"1"', { error: expect.any(String) }],
      ['{"ts":1}', { error: 'unusable timestamp' }],
      ['{"seq":-1}', { error: 'bad seq' }],
    ];
    for (const [text, expected] of cases)
      expect(decodeMetricPayload(Buffer.from(text), NOW)).toEqual(expected);
  });

  it('refuses huge payloads and survives deeply nested JSON', () => {
    expect(decodeMetricPayload(Buffer.alloc(10 * 1024 * 1024, 0x31), NOW)).toEqual({
      error: 'payload larger than 64 KiB',
    });
    for (const deep of [
      '['.repeat(60_000),
      `${'['.repeat(30_000)}${']'.repeat(30_000)}`,
      '{"a":'.repeat(12_000),
    ]) {
      const out = decodeMetricPayload(Buffer.from(deep), NOW);
      expect('error' in out).toBe(true);
    }
  });
});

describe('field JSON payloads (decodeMqttPayload)', () => {
  const wellFormed = (out: MqttPayloadResult) => {
    if ('error' in out) return typeof out.error === 'string' && out.error.length > 0;
    return (
      Number.isInteger(out.ts) &&
      out.values.length > 0 &&
      out.values.length <= 256 &&
      out.values.every(
        (v) =>
          (v.value === null || Number.isFinite(v.value)) &&
          (v.metric === undefined || /^[A-Za-z0-9_.-]{1,200}$/.test(v.metric)),
      )
    );
  };
  const mapping: PayloadMapping = PayloadMappingSchema.parse({
    fields: [
      { path: 'a', metric: 'a', scale: 1e308 },
      { path: 'b.0.c', metric: 'c', offset: -1 },
      { path: '0', metric: 'first' },
    ],
    deviceIdField: 'dev',
    timeField: 'when',
    unmapped: 'keep',
  });

  it('any JSON value gives readings or an error, with or without a mapping, never throws', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.boolean(), (value, withMapping) => {
        const out = decodeMqttPayload(
          Buffer.from(JSON.stringify(value)),
          NOW,
          withMapping ? mapping : undefined,
        );
        expect(wellFormed(out)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('any bytes and JSON-like fragments give readings or an error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(wellFormed(decodeMqttPayload(bytes, NOW))).toBe(true);
        expect(wellFormed(decodeMqttPayload(bytes, NOW, mapping))).toBe(true);
      }),
      { numRuns: 3000 },
    );
    const random = prng(4);
    for (let i = 0; i < 10_000; i++) {
      let s = '';
      const parts = 1 + Math.floor(random() * 12);
      for (let k = 0; k < parts; k++) s += FRAGMENTS[Math.floor(random() * FRAGMENTS.length)];
      expect(wellFormed(decodeMqttPayload(Buffer.from(s), NOW, i % 2 ? mapping : undefined))).toBe(true);
    }
  });

  it('refuses huge payloads and survives deep nesting and hostile keys', () => {
    expect(decodeMqttPayload(Buffer.alloc(10 * 1024 * 1024, 0x31), NOW)).toEqual({
      error: 'payload larger than 64 KiB',
    });
    const started = Date.now();
    for (const hostile of [
      '['.repeat(60_000),
      `{"a":${'['.repeat(30_000)}1${']'.repeat(30_000)}}`,
      `{"a":${'{"b":'.repeat(5_000)}1${'}'.repeat(5_000)}}`,
      `{"__proto__":{"x":1},"constructor":2}`,
      `{"a":[${'{},'.repeat(20_000)}1]}`,
    ]) {
      expect(wellFormed(decodeMqttPayload(Buffer.from(hostile), NOW))).toBe(true);
      expect(wellFormed(decodeMqttPayload(Buffer.from(hostile), NOW, mapping))).toBe(true);
    }
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('Sparkplug B payloads', () => {
  const sp = sparkplugCodec();
  const valid = Buffer.from(
    sp.encodePayload({
      timestamp: T0,
      seq: 1,
      metrics: [
        { name: 'pressure', alias: 10, type: 'Double', value: 1.5, timestamp: T0 },
        { name: 'count', alias: 11, type: 'Int64', value: 42, timestamp: T0 },
        { name: 'label', alias: 12, type: 'String', value: 'hello', timestamp: T0 },
        {
          name: 'table',
          type: 'DataSet',
          value: { numOfColumns: 1, columns: ['a'], types: ['Int32'], rows: [[1], [2]] },
        },
      ],
    }),
  );
  const topic: SparkplugTopic = { group: 'G', type: 'DBIRTH', edge: 'e', device: 'd' };

  it('gives readings or errors for random, truncated and bit-flipped payloads, never throws', () => {
    const random = prng(2);
    const tracker = new SparkplugTracker('fuzz');
    const types: SparkplugTopic['type'][] = ['NBIRTH', 'DBIRTH', 'NDATA', 'DDATA', 'NDEATH', 'DDEATH'];
    let errors = 0;
    let readings = 0;
    const started = Date.now();
    const feed = (bytes: Uint8Array) => {
      const type = types[Math.floor(random() * types.length)]!;
      const t: SparkplugTopic = type.startsWith('D') ? { ...topic, type } : { group: 'G', type, edge: 'e' };
      const out = tracker.handle(t, bytes, NOW);
      errors += out.errors.length;
      readings += out.readings.length;
      for (const r of out.readings) {
        expect(typeof r.metric).toBe('string');
        expect(r.value === null || Number.isFinite(r.value)).toBe(true);
      }
    };
    for (let i = 0; i < 5000; i++) feed(randomBytes(random, Math.floor(random() * 200)));
    for (let n = 0; n < valid.length; n++) feed(valid.subarray(0, n));
    for (let i = 0; i < 5000; i++) {
      const b = Buffer.from(valid);
      const flips = 1 + Math.floor(random() * 4);
      for (let k = 0; k < flips; k++) b[Math.floor(random() * b.length)]! ^= 1 << Math.floor(random() * 8);
      feed(b);
    }
    expect(errors).toBeGreaterThan(0);
    expect(readings).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('refuses huge payloads and deeply nested messages without throwing', () => {
    expect(decodeSparkplugPayload(Buffer.alloc(2 * 1024 * 1024))).toEqual({
      error: 'sparkplug payload larger than 1 MiB',
    });
    // metrics → template_value (field 16) → metrics → ... nested 20,000 deep, built from the inside out
    let inner: Buffer = Buffer.alloc(0);
    for (let i = 0; i < 20_000; i++) {
      const template = Buffer.concat([Buffer.from([0x22]), varint(inner.length), inner]); // Template.metrics = 4
      const metric = Buffer.concat([Buffer.from([0x82, 0x01]), varint(template.length), template]); // Metric.template_value = 16
      inner = metric;
    }
    const payload = Buffer.concat([Buffer.from([0x12]), varint(inner.length), inner]); // Payload.metrics = 2
    const out = new SparkplugTracker('deep').handle(topic, payload, NOW);
    expect(out.readings).toEqual([]);
    // a length prefix far beyond the buffer
    const lying = Buffer.from([0x12, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]);
    expect('error' in (decodeSparkplugPayload(lying) as object)).toBe(true);
  });

  it('decodes DATA with no datatype against a BIRTH, and STATE payloads, from hostile bytes without throwing', () => {
    const random = prng(4);
    const tracker = new SparkplugTracker('fuzz');
    tracker.handle({ group: 'G', type: 'NBIRTH', edge: 'e' }, valid, NOW);
    tracker.handle(topic, valid, NOW);
    for (let i = 0; i < 5000; i++) {
      const out = tracker.handle(
        { ...topic, type: 'DDATA' },
        randomBytes(random, Math.floor(random() * 120)),
        NOW,
      );
      for (const r of out.readings) expect(r.value === null || Number.isFinite(r.value)).toBe(true);
    }
    const hosts = new HostStates();
    const json = [
      '{',
      '}',
      '"online"',
      ':',
      'true',
      'false',
      ',',
      '"timestamp"',
      `${T0}`,
      '1e400',
      '"x"',
      'null',
    ];
    for (let i = 0; i < 5000; i++) {
      let s = '';
      for (let k = Math.floor(random() * 10); k > 0; k--) s += json[Math.floor(random() * json.length)];
      const bytes = i % 2 === 0 ? Buffer.from(s) : randomBytes(random, Math.floor(random() * 40));
      const out = decodeStatePayload(bytes);
      expect('error' in out || typeof out.online === 'boolean').toBe(true);
      hosts.update(`h${i % 7}`, bytes);
    }
    expect(hosts.describe().length).toBeLessThan(200);
  });

  it('parses only well-formed Sparkplug topics', () => {
    expect(parseSparkplugTopic('spBv1.0/G/DDATA/e/d')).toEqual({
      group: 'G',
      type: 'DDATA',
      edge: 'e',
      device: 'd',
    });
    expect(parseSparkplugTopic('spBv1.0/G/NDATA/e')).toEqual({ group: 'G', type: 'NDATA', edge: 'e' });
    for (const bad of [
      'spBv1.0/G/DDATA/e',
      'spBv1.0/G/NDATA/e/d',
      'spBv1.0/G/XDATA/e',
      'spBv1.0//NDATA/e',
      'spAv1.0/G/NDATA/e',
      'spBv1.0/G/DDATA/e/',
      '',
      '/',
    ]) {
      expect(parseSparkplugTopic(bad)).toBeNull();
    }
    const random = prng(3);
    for (let i = 0; i < 2000; i++)
      parseSparkplugTopic(`spBv1.0/${randomBytes(random, 12).toString('latin1')}`);
  });
});

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}
