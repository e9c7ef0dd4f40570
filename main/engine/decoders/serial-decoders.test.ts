import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { CobsFramer, cobsDecode, cobsEncode } from './cobs';
import { appendCrc16, checkCrc16, crc16CcittFalse } from './crc';
import { CsvLineDecoder } from './csv-line';
import { decodeFlatJson, decodeJsonLineFast } from './flat-json-line';
import { decodeJsonLine } from './json-line';
import { decodeKeyValueLine } from './key-value-line';
import { LineFramer } from './line-framer';
import { SlipFramer, slipEncode } from './slip';
import { createTelemetryStream, type StreamResult, WIRE_FORMATS, type WireFormat } from './telemetry-stream';
import { TextLineFramer } from './text-line-framer';
import { parseDecimal, parseDecimalSlow } from './text-values';

const NOW = 1_764_000_000_000;
const ctx = { source: 'test', now: NOW };
const dctx = { ...ctx, defaultDeviceId: 'port-dev' };

function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let start = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(start, p));
    start = p;
  }
  return out;
}

function runStream(format: WireFormat, chunks: Uint8Array[], deviceId?: string): StreamResult {
  const stream = createTelemetryStream(format, {
    source: 'test',
    ...(deviceId ? { defaultDeviceId: deviceId } : {}),
  });
  const total: StreamResult = { readings: [], messages: 0, errors: 0, logLines: 0, lastError: null };
  for (const chunk of chunks) {
    const r = stream.push(chunk, NOW);
    total.readings.push(...r.readings);
    total.messages += r.messages;
    total.errors += r.errors;
    total.logLines += r.logLines;
    if (r.lastError) total.lastError = r.lastError;
  }
  return total;
}

const frameOf = (obj: unknown) => appendCrc16(Buffer.from(JSON.stringify(obj)));

describe('CRC-16/CCITT-FALSE', () => {
  test('check value and frame check', () => {
    expect(crc16CcittFalse(Buffer.from('123456789'))).toBe(0x29b1);
    const f = appendCrc16(Buffer.from('hello'));
    expect(Buffer.from(checkCrc16(f)!).toString()).toBe('hello');
    f[0]! ^= 0x80;
    expect(checkCrc16(f)).toBeNull();
    expect(checkCrc16(new Uint8Array(1))).toBeNull();
  });
});

describe('COBS', () => {
  test('known vectors', () => {
    expect([...cobsEncode(new Uint8Array([0]))]).toEqual([1, 1]);
    expect([...cobsEncode(new Uint8Array([0x11, 0x22, 0, 0x33]))]).toEqual([3, 0x11, 0x22, 2, 0x33]);
    const long = new Uint8Array(254).fill(7);
    expect(cobsEncode(long)[0]).toBe(0xff);
    expect(cobsDecode(new Uint8Array([5, 1]))).toBeNull();
  });

  test('round trip and framing survive any chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 600 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (payloads, cuts) => {
          for (const p of payloads) expect([...cobsDecode(cobsEncode(p))!]).toEqual([...p]);
          const wire = Buffer.concat(payloads.flatMap((p) => [cobsEncode(p), Buffer.from([0])]));
          const framer = new CobsFramer(1024);
          const frames = split(wire, cuts).flatMap((c) => framer.push(c).frames.map((f) => [...f]));
          expect(frames).toEqual(payloads.map((p) => [...p]));
        },
      ),
    );
  });

  test('an over-long frame is dropped and counted, framing resumes', () => {
    const framer = new CobsFramer(16);
    const r1 = framer.push(new Uint8Array(10).fill(9));
    const r2 = framer.push(
      Buffer.concat([
        new Uint8Array(1_000_000).fill(9),
        Buffer.from([0]),
        cobsEncode(Buffer.from('ok')),
        Buffer.from([0]),
      ]),
    );
    expect(r1.errors + r2.errors).toBe(1);
    expect(r2.frames.map((f) => Buffer.from(f).toString())).toEqual(['ok']);
  });
});

describe('SLIP', () => {
  test('round trip with END/ESC inside, any chunking; bad escapes counted', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (payloads, cuts) => {
          const wire = Buffer.concat(payloads.map((p) => slipEncode(p)));
          const framer = new SlipFramer(1024);
          const frames = split(wire, cuts).flatMap((c) => framer.push(c).frames.map((f) => [...f]));
          expect(frames).toEqual(payloads.map((p) => [...p]));
        },
      ),
    );
    const framer = new SlipFramer();
    const r = framer.push(new Uint8Array([0xc0, 1, 0xdb, 0x05, 2, 0xc0, 3, 0xc0]));
    expect(r.errors).toBe(1);
    expect(r.frames.map((f) => [...f])).toEqual([[3]]);
  });
});

describe('key=value lines', () => {
  test('both spellings, envelope, nulls', () => {
    const a = decodeKeyValueLine('t=21.5 h=40', dctx);
    const b = decodeKeyValueLine('t:21.5,h:40', dctx);
    expect(a).toEqual(b);
    expect(a).toMatchObject({
      readings: [
        { deviceId: 'port-dev', metric: 't', value: 21.5, quality: 'good', ts: NOW },
        { deviceId: 'port-dev', metric: 'h', value: 40 },
      ],
    });
    expect(decodeKeyValueLine('dev=aa:bb; seq=3; ts=1764000000001; t = NaN; p=Infinity', ctx)).toMatchObject({
      readings: [
        { deviceId: 'aa:bb', seq: 3, ts: 1764000000001, metric: 't', value: null, quality: 'null' },
        { metric: 'p', value: null, quality: 'null' },
      ],
    });
    expect(decodeKeyValueLine('Booting firmware v1.2', dctx)).toHaveProperty('error');
    expect(decodeKeyValueLine('t=1 t=2', dctx)).toHaveProperty('error');
    expect(decodeKeyValueLine('t=1', ctx)).toEqual({ error: 'no valid device id' });
    expect(decodeKeyValueLine('seq=-1 t=1', dctx)).toHaveProperty('error');
    expect(decodeKeyValueLine('   ', dctx)).toEqual({ readings: [] });
  });
});

describe('decimal parsing', () => {
  test('the hand-written fast path equals the reference for any text', () => {
    const decimalish = fc
      .array(fc.constantFrom('0', '1', '5', '9', '.', '-', '+', 'e', 'E', 'x', ' ', 'n'), { maxLength: 20 })
      .map((a) => a.join(''));
    fc.assert(
      fc.property(fc.oneof(decimalish, fc.string({ maxLength: 20 }), fc.double().map(String)), (text) => {
        expect(Object.is(parseDecimal(text), parseDecimalSlow(text)), text).toBe(true);
      }),
      { numRuns: 5000 },
    );
    expect(parseDecimal('21.5')).toBe(21.5);
    expect(parseDecimal('-0.1')).toBe(-0.1);
    expect(parseDecimal('NaN')).toBeNull();
    expect(parseDecimal('1e999')).toBeNull();
  });
});

describe('CSV lines', () => {
  test('header, envelope columns, nulls, wrong cell counts, header again after a reset', () => {
    const csv = new CsvLineDecoder();
    expect(csv.decode('1,2', dctx)).toEqual({ error: 'expected a CSV header line' });
    expect(csv.decode('ts,dev,seq,temperature,humidity', dctx)).toEqual({ readings: [] });
    expect(csv.decode('1764000000000,th-1,7,21.5,40', dctx)).toMatchObject({
      readings: [
        { deviceId: 'th-1', ts: 1764000000000, seq: 7, metric: 'temperature', value: 21.5 },
        { deviceId: 'th-1', metric: 'humidity', value: 40 },
      ],
    });
    expect(csv.decode('1764000000000,th-1,8,nan,', dctx)).toMatchObject({
      readings: [
        { value: null, quality: 'null' },
        { value: null, quality: 'null' },
      ],
    });
    expect(csv.decode('1,2,3', dctx)).toHaveProperty('error');
    expect(csv.decode('ts,dev,seq,temperature,humidity', dctx)).toEqual({ readings: [] });
    expect(csv.decode('pressure', dctx)).toEqual({ readings: [] });
    expect(csv.decode('1013.2', dctx)).toMatchObject({
      readings: [{ deviceId: 'port-dev', metric: 'pressure' }],
    });
    expect(csv.header()).toEqual(['pressure']);
  });
});

describe('flat JSON fast path', () => {
  const key = fc.oneof(
    fc.constantFrom('dev', 'id', 'ts', 'seq', 't', 'humidity', '1', '__proto__', 'a b', ''),
    fc.string({ maxLength: 6 }),
  );
  const value = fc.oneof(
    fc.double(),
    fc.integer(),
    fc.constantFrom(1_764_000_000_000, -0, 1.5e300, 'th-1', 'NaN', null, true, false, 'a"b'),
    fc.string({ maxLength: 5 }),
    fc.constant({ nested: 1 }),
    fc.constant([1, 2]),
  );

  test('gives exactly what decodeJsonLine gives, or defers to it', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(key, value), { maxLength: 8 }), fc.boolean(), (pairs, spaced) => {
        const body = pairs.map(([k, v]) => `${JSON.stringify(k)}:${spaced ? ' ' : ''}${JSON.stringify(v)}`);
        const line = `{${body.join(spaced ? ', ' : ',')}}`;
        const fast = decodeFlatJson(line, dctx);
        if (fast !== undefined) expect(fast).toEqual(decodeJsonLine(line, dctx));
        expect(decodeJsonLineFast(line, dctx)).toEqual(decodeJsonLine(line, dctx));
      }),
      { numRuns: 2000 },
    );
  });

  test('takes the fast path for typical lines', () => {
    const line = '{"dev":"th-101","seq":42,"ts":1764000000000,"temperature":4.1,"humidity":81.2}';
    expect(decodeFlatJson(line, ctx)).toEqual(decodeJsonLine(line, ctx));
    expect(decodeFlatJson(line, ctx)).toMatchObject({
      readings: [{ metric: 'temperature' }, { metric: 'humidity' }],
    });
    for (const weird of [
      '{"a":1e}',
      '{"a":01}',
      '{"a":-}',
      '{"a":1.}',
      '{"a":"x\\"y"}',
      '{"a":1,}',
      '{"a":1}x',
    ])
      expect(decodeJsonLineFast(weird, dctx)).toEqual(decodeJsonLine(weird, dctx));
  });
});

describe('text line framer', () => {
  test('same lines as LineFramer for any bytes and any chunking', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 20 }),
            fc.constantFrom(Buffer.from('\n'), Buffer.from('é\r\n')),
          ),
          {
            maxLength: 20,
          },
        ),
        fc.array(fc.nat(), { maxLength: 8 }),
        (parts, cuts) => {
          const bytes = Buffer.concat(parts);
          const a = new LineFramer();
          const b = new TextLineFramer();
          const linesA = split(bytes, cuts).flatMap((c) => a.push(c).lines);
          const linesB = split(bytes, cuts).flatMap((c) => b.push(c).lines);
          expect(linesB).toEqual(linesA);
        },
      ),
    );
  });
});

describe('telemetry stream', () => {
  const jsonWire = Buffer.from(
    [
      '{"dev":"a","seq":1,"t":1}',
      '{"dev":"a","seq":2,"t":2,"h":3}',
      'noise',
      '{"dev":"b","t":"NaN"}',
      '{"dev":"b","t":Infinity}',
      '',
    ].join('\n'),
  );
  const wires: Record<WireFormat, Buffer> = {
    'json-lines': jsonWire,
    csv: Buffer.from('seq,t,h\n1,1,2\n2,3,4\n3,x\n'),
    'key-value': Buffer.from('seq=1 t=1\nseq=2 t=2 h=3\n!!\n'),
    'cobs-crc': Buffer.concat(
      [frameOf({ dev: 'a', seq: 1, t: 1 }), frameOf({ dev: 'a', seq: 2, t: 2 }), Buffer.from('xx')].flatMap(
        (f) => [cobsEncode(f), Buffer.from([0])],
      ),
    ),
    'slip-crc': Buffer.concat(
      [frameOf({ dev: 'a', seq: 1, t: 1 }), frameOf({ dev: 'a', seq: 2, t: 2 }), Buffer.from('xx')].map((f) =>
        slipEncode(f),
      ),
    ),
  };

  // ESPHome logger.cpp "[%s][%s:%03u]: ", ESP-IDF esp_log.h LOG_FORMAT, Zephyr log_output.c
  test('firmware log lines between telemetry lines are counted apart, never decode errors', () => {
    const logs = [
      '\x1b[0;32m[I][boot:123]: Running through setup()...\x1b[0m',
      '\x1b[0;33mW (4521) sensor: retrying\x1b[0m',
      '[00:00:01.234,567] <inf> main: ready',
    ];
    const jsonText = `${logs[0]}\n{"dev":"a","temperature":1}\r\n${logs[1]}\n{"dev":"a","temperature":2}\n${logs[2]}\n`;
    for (const cuts of [[], [3, 40, 41, 90]]) {
      const r = runStream('json-lines', split(Buffer.from(jsonText), cuts));
      expect(r).toMatchObject({ messages: 2, errors: 0, logLines: 3 });
      expect(r.readings.map((x) => x.value)).toEqual([1, 2]);
    }
    // a CSV decoder waiting for its header does not take the boot banner for one
    const csvText = `${logs[0]}\nts,dev,seq,temperature\n${logs[1]}\n1764000000000,a,1,21.5\n`;
    expect(runStream('csv', [Buffer.from(csvText)])).toMatchObject({ errors: 0, logLines: 2 });
    expect(runStream('csv', [Buffer.from(csvText)]).readings.map((x) => x.value)).toEqual([21.5]);
    const kv = runStream('key-value', [Buffer.from(`${logs[2]}\ndev=a temperature=3\n`)]);
    expect(kv).toMatchObject({ errors: 0, logLines: 1 });
    // anything else that is not telemetry still is a decode error
    expect(runStream('json-lines', [Buffer.from('Guru Meditation Error\n')])).toMatchObject({
      errors: 1,
      logLines: 0,
    });
  });

  test('every format: readings and counted errors, independent of chunking', () => {
    const expected: Record<WireFormat, [number, number, number]> = {
      'json-lines': [5, 4, 2],
      csv: [4, 4, 1],
      'key-value': [3, 3, 1],
      'cobs-crc': [3, 2, 1],
      'slip-crc': [3, 2, 1],
    };
    for (const format of WIRE_FORMATS) {
      const whole = runStream(format, [wires[format]], 'dev-x');
      expect([whole.messages, whole.readings.length, whole.errors], format).toEqual(expected[format]);
      fc.assert(
        fc.property(fc.array(fc.nat(), { maxLength: 10 }), (cuts) => {
          expect(runStream(format, split(wires[format], cuts), 'dev-x')).toEqual(whole);
        }),
        { numRuns: 200 },
      );
    }
  });

  test('fuzz: random bytes, mutations and truncations never throw, and errors are counted', () => {
    for (const format of WIRE_FORMATS) {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.uint8Array({ maxLength: 2000 }),
            fc
              .tuple(
                fc.nat(),
                fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 10 }),
              )
              .map(([cut, flips]) => {
                const bytes = Uint8Array.from(wires[format]);
                for (const [at, v] of flips) bytes[at % bytes.length] = v;
                return bytes.subarray(0, (cut % bytes.length) + 1);
              }),
          ),
          fc.array(fc.nat(), { maxLength: 10 }),
          (bytes, cuts) => {
            const r = runStream(format, split(bytes, cuts), 'dev-x');
            expect(r.errors).toBeLessThanOrEqual(r.messages);
            expect(r.readings.length).toBeLessThanOrEqual(r.messages * 259);
            for (const reading of r.readings) {
              expect(reading.value === null || Number.isFinite(reading.value)).toBe(true);
            }
          },
        ),
        { numRuns: 300 },
      );
    }
  });

  test('hostile inputs: 1 MB lines, invalid UTF-8, deep nesting, NaN text, huge frames — bounded and counted', () => {
    const start = Date.now();
    const mb = Buffer.alloc(1_000_000, 0x41);
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const deepObj = `{"a":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_001)}`;
    const json = runStream('json-lines', [
      mb,
      mb,
      Buffer.from('\n{"dev":"ok","t":1}\n'),
      Buffer.from([0xff, 0xfe, 0xc3, 0x0a]),
      Buffer.from(`${deep}\n${deepObj}\n{"dev":"x","t":NaN}\n{"dev":"x","t":"Infinity"}\n`),
    ]);
    expect(json.readings.map((r) => [r.deviceId, r.value])).toEqual([
      ['ok', 1],
      ['x', null],
    ]);
    expect(json.errors).toBe(5); // 1 MB line, invalid UTF-8, deep array, deep object (no dev), NaN token
    const kv = runStream('key-value', [Buffer.from(`${'t=1 '.repeat(300_000)}\n`)], 'd');
    expect(kv.errors).toBe(1);
    const csv = runStream('csv', [Buffer.from(`${'c,'.repeat(100_000)}c\nt\n1\n`)], 'd');
    expect(csv.errors).toBe(1); // the over-long header line; the next header takes over
    expect(csv.readings.map((r) => r.metric)).toEqual(['t']);
    const wide = new CsvLineDecoder().decode('c,'.repeat(5000).concat('c'), dctx);
    expect(wide).toHaveProperty('error');
    for (const format of ['cobs-crc', 'slip-crc'] as const) {
      const r = runStream(format, [mb, mb, Buffer.from([0, 0xc0])], 'd');
      expect(r.readings).toEqual([]);
      expect(r.errors).toBeGreaterThanOrEqual(1);
    }
    expect(Date.now() - start).toBeLessThan(5000);
  });
});
