/**
 * npx tsx bench/bench-serial.ts — decode throughput of the serial wire formats: a byte
 * stream cut into chunks of random size (as a UART/USB CDC link delivers it) through
 * framing and decoding into Readings. Target: ≥ 1,000,000 lines/s for JSON and CSV.
 */
import { availableParallelism, cpus } from 'node:os';
import { cobsEncode } from '../main/engine/decoders/cobs';
import { appendCrc16 } from '../main/engine/decoders/crc';
import { decodeJsonLine } from '../main/engine/decoders/json-line';
import { LineFramer } from '../main/engine/decoders/line-framer';
import { createTelemetryStream, type WireFormat } from '../main/engine/decoders/telemetry-stream';

const LINES = 200_000;
const T0 = 1_764_000_000_000;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sample(i: number, r: () => number) {
  return {
    dev: `th-${100 + (i % 8)}`,
    seq: i,
    ts: T0 + i * 1000,
    temperature: Math.round((20 + r() * 5) * 100) / 100,
    humidity: Math.round((40 + r() * 20) * 10) / 10,
    battery: 90 + (i % 10),
  };
}

function jsonWire(): Buffer {
  const r = rng(1);
  const lines: string[] = [];
  for (let i = 0; i < LINES; i++) lines.push(JSON.stringify(sample(i, r)));
  return Buffer.from(`${lines.join('\n')}\n`);
}

function csvWire(): Buffer {
  const r = rng(1);
  const lines = ['ts,dev,seq,temperature,humidity,battery'];
  for (let i = 0; i < LINES; i++) {
    const s = sample(i, r);
    lines.push(`${s.ts},${s.dev},${s.seq},${s.temperature},${s.humidity},${s.battery}`);
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

function keyValueWire(): Buffer {
  const r = rng(1);
  const lines: string[] = [];
  for (let i = 0; i < LINES; i++) {
    const s = sample(i, r);
    lines.push(
      `dev=${s.dev} seq=${s.seq} ts=${s.ts} temperature=${s.temperature} humidity=${s.humidity} battery=${s.battery}`,
    );
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

function cobsWire(): Buffer {
  const r = rng(1);
  const parts: Uint8Array[] = [];
  const zero = Buffer.from([0]);
  for (let i = 0; i < LINES; i++) {
    parts.push(cobsEncode(appendCrc16(Buffer.from(JSON.stringify(sample(i, r))))), zero);
  }
  return Buffer.concat(parts);
}

/** random chunk sizes 1..512 bytes, like reads from a USB CDC port */
function chunk(wire: Buffer): Buffer[] {
  const r = rng(7);
  const out: Buffer[] = [];
  for (let at = 0; at < wire.length; ) {
    const n = 1 + Math.floor(r() * 512);
    out.push(wire.subarray(at, at + n));
    at += n;
  }
  return out;
}

interface Figures {
  linesPerSec: number;
  readingsPerSec: number;
}

/** best of several rounds */
function measure(run: () => { messages: number; readings: number }, rounds = 5): Figures {
  let best: Figures = { linesPerSec: 0, readingsPerSec: 0 };
  for (let i = 0; i < rounds; i++) {
    const start = process.hrtime.bigint();
    const { messages, readings } = run();
    const sec = Number(process.hrtime.bigint() - start) / 1e9;
    if (messages / sec > best.linesPerSec)
      best = { linesPerSec: messages / sec, readingsPerSec: readings / sec };
  }
  return best;
}

function viaStream(format: WireFormat, chunks: Buffer[]) {
  return () => {
    const stream = createTelemetryStream(format, { source: 'bench' });
    let messages = 0;
    let readings = 0;
    let errors = 0;
    for (const c of chunks) {
      const r = stream.push(c, T0);
      messages += r.messages;
      readings += r.readings.length;
      errors += r.errors;
    }
    if (errors > 0) throw new Error(`${format}: ${errors} decode errors in the bench stream`);
    return { messages, readings };
  };
}

/** the straightforward path (LineFramer + decodeJsonLine), for comparison */
function baselineJson(chunks: Buffer[]) {
  return () => {
    const framer = new LineFramer();
    const ctx = { source: 'bench', now: T0 };
    let messages = 0;
    let readings = 0;
    for (const c of chunks) {
      for (const line of framer.push(c).lines) {
        messages++;
        const r = decodeJsonLine(line, ctx);
        if ('readings' in r) readings += r.readings.length;
      }
    }
    return { messages, readings };
  };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(12);
console.log(
  `cores: ${availableParallelism()} (${cpus()[0]?.model ?? 'unknown cpu'}), node ${process.version}, ${LINES.toLocaleString('en-US')} lines per round, chunks of 1-512 bytes`,
);
const cases: [string, () => { messages: number; readings: number }][] = [
  ['json-lines (LineFramer + JSON.parse baseline)', baselineJson(chunk(jsonWire()))],
  ['json-lines', viaStream('json-lines', chunk(jsonWire()))],
  ['csv', viaStream('csv', chunk(csvWire()))],
  ['key-value', viaStream('key-value', chunk(keyValueWire()))],
  ['cobs-crc (JSON payload)', viaStream('cobs-crc', chunk(cobsWire()))],
];
for (const [name, run] of cases) {
  const f = measure(run);
  console.log(`${name.padEnd(48)} ${fmt(f.linesPerSec)} lines/s ${fmt(f.readingsPerSec)} readings/s`);
}
