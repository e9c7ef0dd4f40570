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
});
