import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  crc16xmodem,
  encodeSerialFrame,
  SerialFrameDecoder,
  SmpFrameError,
  serialFrameSize,
} from './smp-serial-framing';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s/g, ''), 'hex'));

// v2 echo "hello" (smp_transport.rst "SMP over console", Zephyr serial_util.c; verified vector
// in research §A.4): packet = header 0a 00 0009 0000 00 00 + CBOR {"d":"hello"}, CRC 0xA27F
const ECHO_PACKET = hex('0a 00 0009 0000 00 00 a1 61 64 65 68656c6c6f');
const ECHO_WIRE = Uint8Array.from([
  0x06,
  0x09,
  ...Buffer.from('ABMKAAAJAAAAAKFhZGVoZWxsb6J/', 'latin1'),
  0x0a,
]);

/**
 * Independent of the module: CRC-16/XMODEM by lookup table (Rocksoft model poly 0x1021,
 * init 0, refin/refout false, xorout 0) and base64 by hand from the RFC 4648 alphabet.
 */
const TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n << 8;
  for (let i = 0; i < 8; i++) c = c & 0x8000 ? (c << 1) ^ 0x1021 : c << 1;
  return c & 0xffff;
});
const refCrc = (bytes: Uint8Array) =>
  bytes.reduce((c, b) => ((c << 8) ^ (TABLE[((c >> 8) ^ b) & 0xff] as number)) & 0xffff, 0);
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
function refBase64(bytes: number[]): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const [a = 0, b = 0, c = 0] = bytes.slice(i, i + 3);
    const n = (a << 16) | (b << 8) | c;
    out += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]!;
    out += i + 1 < bytes.length ? ALPHABET[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.length ? ALPHABET[n & 63] : '=';
  }
  return out;
}

/** CRC-16/XMODEM straight from its definition, one bit at a time (no table). */
function bitwiseCrc(bytes: Uint8Array, seed = 0): number {
  let c = seed;
  for (const b of bytes) {
    c ^= b << 8;
    for (let i = 0; i < 8; i++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
  }
  return c;
}

/** The wire an independent encoder gives: BE16(len + 2) ‖ packet ‖ BE16(CRC), base64, 124 characters a line. */
function refWire(p: Uint8Array): string {
  const crc = refCrc(p);
  const text = refBase64([(p.length + 2) >> 8, (p.length + 2) & 0xff, ...p, crc >> 8, crc & 0xff]);
  const lines: string[] = [];
  for (let at = 0; at < text.length; at += 124)
    lines.push(`${at === 0 ? '\x06\x09' : '\x04\x14'}${text.slice(at, at + 124)}\n`);
  return lines.join('');
}

describe('SMP serial framing', () => {
  it('CRC-16/XMODEM matches the catalogue check value', () => {
    // CRC RevEng catalogue, CRC-16/XMODEM: check("123456789") = 0x31C3
    expect(crc16xmodem(Buffer.from('123456789'))).toBe(0x31c3);
    expect(crc16xmodem(ECHO_PACKET)).toBe(0xa27f);
  });

  it('encodes the echo request vector byte for byte', () => {
    expect(encodeSerialFrame(ECHO_PACKET)).toEqual(ECHO_WIRE);
    expect(serialFrameSize(ECHO_PACKET.length)).toBe(ECHO_WIRE.length);
  });

  it('decodes the echo vector among Zephyr log lines', () => {
    const got: Uint8Array[] = [];
    const errors: SmpFrameError[] = [];
    const d = new SerialFrameDecoder(
      (p) => got.push(p),
      (e) => errors.push(e),
    );
    d.push(Buffer.from('*** Booting Zephyr OS build v3.7.0 ***\r\n[00:00:00.010,000] <inf> app: hi\r\n'));
    d.push(ECHO_WIRE.subarray(0, 5));
    d.push(ECHO_WIRE.subarray(5));
    d.push(Buffer.from('[00:00:01.000,000] <wrn> app: after\n'));
    expect(got).toEqual([ECHO_PACKET]);
    expect(errors).toEqual([]);
  });

  it('splits long packets into 127-byte lines: 06 09 first, 04 14 after, as an independent encoder does', () => {
    const packet = new Uint8Array(300).map((_, i) => (i * 7) & 0xff);
    const crc = refCrc(packet);
    const payload = [(packet.length + 2) >> 8, (packet.length + 2) & 0xff, ...packet, crc >> 8, crc & 0xff];
    const text = refBase64(payload);
    const lines: number[] = [];
    for (let at = 0; at < text.length; at += 124)
      lines.push(...(at === 0 ? [6, 9] : [4, 0x14]), ...Buffer.from(text.slice(at, at + 124)), 0x0a);
    const wire = encodeSerialFrame(packet);
    expect(Array.from(wire)).toEqual(lines);
    const cut = Buffer.from(wire).toString('latin1').split('\n').slice(0, -1);
    expect(cut.length).toBe(4);
    for (const l of cut) expect(l.length + 1).toBeLessThanOrEqual(127);
    const got: Uint8Array[] = [];
    new SerialFrameDecoder((p) => got.push(p)).push(wire);
    expect(got).toEqual([packet]);
  });

  it('accepts frames split the way Zephyr sends them (each line decoded on its own, CRC not split)', () => {
    // serial_util.c decodes every line's base64 separately; a sender may cut at any quad boundary
    const packet = new Uint8Array(100).fill(0x41);
    const crc = refCrc(packet);
    const payload = [0, 102, ...packet, crc >> 8, crc & 0xff];
    const l1 = refBase64(payload.slice(0, 90));
    const l2 = refBase64(payload.slice(90));
    const wire = Buffer.from(`\x06\x09${l1}\n\x04\x14${l2}\r\n`, 'latin1');
    const got: Uint8Array[] = [];
    new SerialFrameDecoder((p) => got.push(p)).push(wire);
    expect(got).toEqual([packet]);
  });

  it('reports bad CRC, bad base64, bad length and orphan continuations, then recovers', () => {
    const errors: string[] = [];
    const got: Uint8Array[] = [];
    const d = new SerialFrameDecoder(
      (p) => got.push(p),
      (e) => errors.push(e.kind),
    );
    const badCrc = Buffer.from(ECHO_WIRE);
    badCrc.write('ABMKAAAJAAAAAKFhZGVoZWxsb6J+', 2, 'latin1');
    d.push(Buffer.from('\x04\x14AAAA\n', 'latin1'));
    d.push(badCrc);
    d.push(Buffer.from('\x06\x09AB*KAAAJ\n', 'latin1'));
    d.push(Buffer.from(`\x06\x09${refBase64([0, 3, 1, 2, 3])}\n`, 'latin1'));
    // the rest of a dropped frame is skipped quietly
    d.push(Buffer.from('\x04\x14AAAA\n', 'latin1'));
    d.push(ECHO_WIRE);
    expect(errors).toEqual(['continuation', 'crc', 'base64', 'length']);
    expect(got).toEqual([ECHO_PACKET]);
  });

  it('bounds memory: oversize frames and endless log lines are dropped', () => {
    const errors: string[] = [];
    const got: Uint8Array[] = [];
    const d = new SerialFrameDecoder(
      (p) => got.push(p),
      (e) => errors.push(e.kind),
      { maxPacket: 64, maxLineBytes: 200 },
    );
    d.push(encodeSerialFrame(new Uint8Array(100)));
    d.push(new Uint8Array(100_000).fill(0x41));
    d.push(Uint8Array.of(0x0a));
    d.push(ECHO_WIRE);
    expect(errors).toEqual(['overflow']);
    expect(got).toEqual([ECHO_PACKET]);
  });

  it('rejects padding anywhere but at the end of a line (RFC 4648 §3.3, strict as serial_util.c)', () => {
    const errors: string[] = [];
    const d = new SerialFrameDecoder(
      () => {},
      (e) => errors.push(e.kind),
    );
    d.push(Buffer.from('\x06\x09AB==AAAA\n', 'latin1'));
    d.push(Buffer.from('\x06\x09A===\n', 'latin1'));
    d.push(Buffer.from('\x06\x09AB=A\n', 'latin1'));
    d.push(Buffer.from('\x06\x09ABC\n', 'latin1'));
    expect(errors).toEqual(['base64', 'base64', 'base64', 'base64']);
  });

  it('packets come out the same whatever the chunk boundaries, against an independent encoder (fuzz)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 8, maxLength: 400 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 20 }),
        (packets, cuts) => {
          // the wire built by hand: BE16(len + 2) ‖ packet ‖ BE16(CRC), base64, 124 characters a line
          const wire = packets
            .map((p) => {
              const crc = refCrc(p);
              const text = refBase64([
                (p.length + 2) >> 8,
                (p.length + 2) & 0xff,
                ...p,
                crc >> 8,
                crc & 0xff,
              ]);
              const lines: string[] = [];
              for (let at = 0; at < text.length; at += 124)
                lines.push(`${at === 0 ? '\x06\x09' : '\x04\x14'}${text.slice(at, at + 124)}\n`);
              return `zephyr log line\r\n${lines.join('')}`;
            })
            .join('');
          const bytes = Buffer.from(wire, 'latin1');
          const got: Uint8Array[] = [];
          const d = new SerialFrameDecoder((p) => got.push(Uint8Array.from(p)));
          let at = 0;
          for (let i = 0; at < bytes.length; i++) {
            const n = cuts[i % cuts.length] as number;
            d.push(bytes.subarray(at, at + n));
            at += n;
          }
          expect(got).toEqual(packets.map((p) => Uint8Array.from(p)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('any byte stream yields packets or typed errors, never a throw, and a later frame still decodes (fuzz)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 64 }),
            fc.constant(Uint8Array.of(6, 9)),
            fc.constant(Uint8Array.of(4, 0x14)),
          ),
        ),
        (chunks) => {
          const got: Uint8Array[] = [];
          const d = new SerialFrameDecoder(
            (p) => got.push(p),
            (e) => expect(e).toBeInstanceOf(SmpFrameError),
            { maxPacket: 512 },
          );
          for (const c of chunks) d.push(c);
          got.length = 0;
          d.push(Uint8Array.of(0x0a));
          d.push(ECHO_WIRE);
          expect(got).toEqual([ECHO_PACKET]);
        },
      ),
      { numRuns: 2000 },
    );
  });
  it('CRC-16/XMODEM (eight bytes a step) equals the bitwise definition for any bytes and seed (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.integer({ min: 0, max: 0xffff }), (bytes, seed) => {
        expect(crc16xmodem(bytes, seed)).toBe(bitwiseCrc(bytes, seed));
      }),
      { numRuns: 2000 },
    );
    const long = new Uint8Array(70_001).map((_, i) => (i * 151 + (i >> 8)) & 0xff);
    expect(crc16xmodem(long)).toBe(bitwiseCrc(long));
  });

  it('encodes any packet byte for byte as an independent encoder does (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (p) => {
        expect(Buffer.from(encodeSerialFrame(p)).toString('latin1')).toBe(refWire(p));
        expect(serialFrameSize(p.length)).toBe(refWire(p).length);
      }),
      { numRuns: 300 },
    );
  });

  it('full lines decoded in one pass give exactly what line-by-line decoding gives, on damaged wires too (fuzz)', () => {
    // pushed one byte at a time no run of whole lines is ever in one chunk: the strict path alone
    // '-' and '_' (which a lenient decoder takes as base64url), '=', bytes a decoder skips, markers
    const damage = fc.oneof(
      fc.constantFrom(0x2d, 0x5f),
      fc.constantFrom(0x3d, 0x2a, 0x0a, 0x0d, 0x20, 0x04, 0x14, 0x06, 0x09, 0x41, 0xff),
    );
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 300, maxLength: 1500, size: 'max' }), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.array(fc.tuple(fc.nat(), damage), { maxLength: 3 }),
        fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 300, max: 5000 })),
        (packets, hits, cut) => {
          const wire = Buffer.from(packets.map((p) => `log\r\n${refWire(p)}`).join(''), 'latin1');
          for (const [at, b] of hits) wire[at % wire.length] = b;
          const run = (pieces: Uint8Array[]) => {
            const out: unknown[] = [];
            const d = new SerialFrameDecoder(
              (p) => out.push(Buffer.from(p).toString('hex')),
              (e) => out.push(e.kind),
              { maxPacket: 4096 },
            );
            for (const piece of pieces) d.push(piece);
            return out;
          };
          const bytewise = run(Array.from(wire, (b) => Uint8Array.of(b)));
          const chunked: Uint8Array[] = [];
          for (let at = 0; at < wire.length; at += cut) chunked.push(wire.subarray(at, at + cut));
          expect(run(chunked)).toEqual(bytewise);
          if (hits.length === 0) expect(bytewise).toEqual(packets.map((p) => Buffer.from(p).toString('hex')));
        },
      ),
      // shrinking kilobyte wires pushed byte by byte takes minutes: report the first counterexample as is
      { numRuns: 200, endOnFailure: true },
    );
  });
});
