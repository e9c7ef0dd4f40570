import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { encodeGattValue, GATT_CHARACTERISTICS } from './gatt';
import { decodeJsonLine } from './json-line';
import { LineFramer } from './line-framer';
import { compileTopicTemplate, decodeMetricPayload } from './topic-template';

const NOW = 1_764_000_000_000;
const ctx = { source: 'test', now: NOW };

describe('line framer', () => {
  test('reassembles lines split anywhere, LF and CRLF', () => {
    const text = 'a=1\r\nbb=2\nccc=3\n';
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: text.length }), { maxLength: 6 }), (cuts) => {
        const framer = new LineFramer();
        const bytes = Buffer.from(text);
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const lines: string[] = [];
        let start = 0;
        for (const p of [...points, bytes.length]) {
          lines.push(...framer.push(bytes.subarray(start, p)).lines);
          start = p;
        }
        expect(lines).toEqual(['a=1', 'bb=2', 'ccc=3']);
      }),
    );
  });

  test('a line longer than the limit is dropped and counted, framing resumes after it', () => {
    const framer = new LineFramer(16);
    const first = framer.push(Buffer.from('x'.repeat(10)));
    const second = framer.push(Buffer.from(`${'y'.repeat(1_000_000)}\nok\n`));
    expect(first.lines).toEqual([]);
    expect(second.overlong + first.overlong).toBe(1);
    expect(second.lines).toEqual(['ok']);
  });

  test('fuzz: any bytes give lines or nothing, never a throw, and memory stays bounded', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), (chunks) => {
        const framer = new LineFramer(128);
        for (const chunk of chunks) {
          for (const line of framer.push(chunk).lines)
            expect(Buffer.byteLength(line)).toBeLessThanOrEqual(128 * 3);
        }
      }),
    );
  });
});

describe('JSON line decoder', () => {
  test('envelope and metrics', () => {
    const out = decodeJsonLine(
      '{"dev":"th-1","seq":7,"ts":1764000000123,"temperature":4.5,"humidity":"NaN"}',
      ctx,
    );
    expect(out).toEqual({
      readings: [
        {
          deviceId: 'th-1',
          metric: 'temperature',
          ts: 1764000000123,
          value: 4.5,
          quality: 'good',
          seq: 7,
          source: 'test',
          arrivedAt: NOW,
        },
        {
          deviceId: 'th-1',
          metric: 'humidity',
          ts: 1764000000123,
          value: null,
          quality: 'null',
          seq: 7,
          source: 'test',
          arrivedAt: NOW,
        },
      ],
    });
  });

  test('hostile lines give a clear error', () => {
    expect(decodeJsonLine('{"dev":"x","ts":-5,"t":1}', ctx)).toEqual({ error: 'unusable timestamp -5' });
    expect(decodeJsonLine('{"t":1}', ctx)).toEqual({ error: 'no valid device id' });
    expect(decodeJsonLine('[1,2]', ctx)).toEqual({ error: 'not a JSON object' });
    expect(decodeJsonLine('{"dev":"x",', ctx)).toMatchObject({
      error: expect.stringMatching(/invalid JSON/),
    });
    expect(decodeJsonLine('{"dev":"x","seq":1.5}', ctx)).toMatchObject({
      error: expect.stringMatching(/seq/),
    });
    const nested = `{"dev":"x","t":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    expect(decodeJsonLine(nested, ctx)).toEqual({
      readings: [expect.objectContaining({ metric: 't', value: null, quality: 'null' })],
    });
  });

  test('fuzz: random and mutated lines never throw', () => {
    const valid = '{"dev":"th-1","seq":7,"ts":1764000000123,"temperature":4.5}';
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.array(fc.nat(valid.length - 1), { maxLength: 5 }).map((cuts) => {
            let s = valid;
            for (const c of cuts) s = s.slice(0, c) + s.slice(c + 1);
            return s;
          }),
        ),
        (line) => {
          const out = decodeJsonLine(line, ctx);
          expect('readings' in out || 'error' in out).toBe(true);
        },
      ),
    );
  });
});

describe('GATT Environmental Sensing and Battery decoders', () => {
  test('round trip through the encoders at the standard resolutions', () => {
    expect(GATT_CHARACTERISTICS['2a6e']!.decode(encodeGattValue('2a6e', -12.34))).toBe(-12.34);
    expect(GATT_CHARACTERISTICS['2a6f']!.decode(encodeGattValue('2a6f', 45.67))).toBe(45.67);
    expect(GATT_CHARACTERISTICS['2a6d']!.decode(encodeGattValue('2a6d', 1013.25))).toBe(1013.25);
    expect(GATT_CHARACTERISTICS['2a19']!.decode(encodeGattValue('2a19', 87))).toBe(87);
  });

  test('spec examples: 0x0A0B little-endian is 25.71 °C; 0x8000 is "not known"', () => {
    expect(GATT_CHARACTERISTICS['2a6e']!.decode(Uint8Array.of(0x0b, 0x0a))).toBe(25.71);
    expect(GATT_CHARACTERISTICS['2a6e']!.decode(Uint8Array.of(0x00, 0x80))).toBeNull();
    expect(GATT_CHARACTERISTICS['2a6f']!.decode(Uint8Array.of(0xff, 0xff))).toBeNull();
  });

  test('wrong lengths throw a clear error (the connector counts it)', () => {
    expect(() => GATT_CHARACTERISTICS['2a6e']!.decode(Uint8Array.of(1))).toThrow(/2 bytes/);
    expect(() => GATT_CHARACTERISTICS['2a19']!.decode(Uint8Array.of())).toThrow(/1 byte/);
  });
});

describe('MQTT topic templates', () => {
  const t = compileTopicTemplate('plant/{site}/{deviceId}/{metric}', { site: 'demo' });
  test('filter and match', () => {
    expect(t.filter).toBe('plant/demo/+/+');
    expect(t.match('plant/demo/pump-1/current')).toEqual({
      deviceId: 'pump-1',
      metric: 'current',
      fields: { site: 'demo', deviceId: 'pump-1', metric: 'current' },
    });
    expect(t.match('plant/other/pump-1/current')).toBeNull();
    expect(t.match('plant/demo/pump-1')).toBeNull();
    expect(t.match('plant/demo//current')).toBeNull();
  });

  test('bad templates are refused', () => {
    expect(() => compileTopicTemplate('a/{metric}')).toThrow(/no \{deviceId\}/);
    expect(() => compileTopicTemplate('a/{deviceId}/x{metric}')).toThrow(/whole level/);
  });

  test('payloads: number, object, hostile', () => {
    const enc = (s: string) => Buffer.from(s);
    expect(decodeMetricPayload(enc('21.5'), NOW)).toEqual({ ts: NOW, value: 21.5 });
    expect(decodeMetricPayload(enc('{"ts":1764000000000,"seq":3,"value":2}'), NOW)).toEqual({
      ts: 1764000000000,
      value: 2,
      seq: 3,
    });
    expect(decodeMetricPayload(enc('{"v":"bad"}'), NOW)).toEqual({ ts: NOW, value: null });
    expect(decodeMetricPayload(enc('nope'), NOW)).toMatchObject({ error: expect.any(String) });
    expect(decodeMetricPayload(Buffer.alloc(70_000, 0x31), NOW)).toMatchObject({ error: expect.any(String) });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const out = decodeMetricPayload(bytes, NOW);
        expect('error' in out || 'ts' in out).toBe(true);
      }),
    );
  });
});
