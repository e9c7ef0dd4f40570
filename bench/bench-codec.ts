/**
 * npm run bench:codec — encode/decode speed and size of the block codec on 1024-point
 * blocks: sensor data, sensor data with seq/nulls/flags, and full-precision doubles.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { type BlockColumns, decodeBlock, encodeBlock } from '../main/engine/store/codec/block-codec';
import {
  columns,
  jitteredTs,
  randomDoubles,
  rng,
  sensorValues,
} from '../main/engine/store/codec/codec-test-utils';

const BLOCK = 1024;
const BLOCKS = 64;

function makeBlocks(kind: 'sensor' | 'random' | 'sensor+seq+nulls'): BlockColumns[] {
  const r = rng(99);
  const out: BlockColumns[] = [];
  for (let b = 0; b < BLOCKS; b++) {
    const c = columns(BLOCK);
    c.ts.set(jitteredTs(BLOCK, 3, r, 1_700_000_000_000 + b * BLOCK * 1000));
    c.values.set(kind === 'random' ? randomDoubles(BLOCK, r) : sensorValues(BLOCK, r));
    if (kind === 'sensor+seq+nulls') {
      for (let i = 0; i < BLOCK; i++) {
        c.seq[i] = b * BLOCK + i + (i > 700 ? 3 : 0);
        if (i % 50 === 0) c.values[i] = Number.NaN;
        if (i % 200 === 0) c.quality[i] = 3;
      }
    }
    out.push(c);
  }
  return out;
}

/** Best points/s over several rounds of about `ms` each. */
function measure(fn: () => void, pointsPerCall: number, ms = 300): number {
  let best = 0;
  for (let round = 0; round < 5; round++) {
    let calls = 0;
    const start = performance.now();
    let now = start;
    while (now - start < ms) {
      fn();
      calls++;
      now = performance.now();
    }
    best = Math.max(best, (calls * pointsPerCall) / ((now - start) / 1000));
  }
  return best;
}

const fmt = (pps: number) => `${(pps / 1e6).toFixed(1)} M points/s`;

for (const kind of ['sensor', 'sensor+seq+nulls', 'random'] as const) {
  const blocks = makeBlocks(kind);
  const encoded = blocks.map((b) => encodeBlock(b));
  let sink = 0;
  const enc = measure(() => {
    for (const b of blocks) sink += encodeBlock(b).length;
  }, BLOCK * BLOCKS);
  const dec = measure(() => {
    for (const e of encoded) sink += decodeBlock(e).ts.length;
  }, BLOCK * BLOCKS);
  const bytes = encoded.reduce((s, e) => s + e.length, 0);
  const deflated = encoded.reduce((s, e) => s + deflateRawSync(e, { level: 1 }).length, 0);
  const deflateEnc = measure(() => {
    for (const e of encoded) sink += deflateRawSync(e, { level: 1 }).length;
  }, BLOCK * BLOCKS);
  const inflatedInputs = encoded.map((e) => deflateRawSync(e, { level: 1 }));
  const inflateDec = measure(() => {
    for (const e of inflatedInputs) sink += inflateRawSync(e).length;
  }, BLOCK * BLOCKS);
  console.log(
    `${kind}: encode ${fmt(enc)}, decode ${fmt(dec)}, ` +
      `${(bytes / (BLOCK * BLOCKS)).toFixed(3)} B/pt; ` +
      `+deflateRaw(1): ${(deflated / (BLOCK * BLOCKS)).toFixed(3)} B/pt, ` +
      `deflate alone ${fmt(deflateEnc)}, inflate alone ${fmt(inflateDec)}`,
  );
  if (sink === 0) throw new Error('nothing was encoded');
}
