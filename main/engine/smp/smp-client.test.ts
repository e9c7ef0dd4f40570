/**
 * The client against a scripted device: answers built here as literal header bytes plus
 * CBOR, so hostile or odd devices can be played exactly.
 */
import { createHash } from 'node:crypto';
import { encode } from 'cborg';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SmpCborError } from './smp-cbor';
import { SmpClient, SmpProtocolError, SmpTimeoutError } from './smp-client';
import { decodeHeader, SmpDeviceError } from './smp-header';
import type { SmpTransport } from './smp-transport';

type Request = { op: number; group: number; id: number; seq: number; body: Record<string, unknown> };

/** A transport whose device is a function: request → raw answer body bytes (or a full packet). */
function scripted(
  answer: (r: Request) => { body?: unknown; raw?: Uint8Array; packet?: Uint8Array } | undefined,
  bufSize = 2048,
) {
  const listeners = new Set<(p: Uint8Array) => void>();
  const requests: Request[] = [];
  const transport: SmpTransport = {
    async send(packet) {
      const h = decodeHeader(packet);
      const { decode } = await import('cborg');
      const r = {
        op: h.op,
        group: h.group,
        id: h.id,
        seq: h.seq,
        body: decode(packet.subarray(8)) as Record<string, unknown>,
      };
      requests.push(r);
      const a = answer(r);
      if (!a) return;
      const out =
        a.packet ??
        (() => {
          const data = a.raw ?? encode(a.body);
          const hdr = Uint8Array.of(
            0x08 | (r.op === 0 ? 1 : 3),
            0,
            data.length >> 8,
            data.length & 0xff,
            r.group >> 8,
            r.group & 0xff,
            r.seq,
            r.id,
          );
          return Uint8Array.from([...hdr, ...data]);
        })();
      setImmediate(() => {
        for (const l of listeners) l(out);
      });
    },
    onPacket(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    maxPacket: (b) => b - 4,
    close() {},
  };
  return { transport, requests, bufSize };
}

const HASH = new Uint8Array(32).fill(0xab);

describe('SMP client', () => {
  it('echo, params and reset send the documented group/id/op (smp_group_0.rst)', async () => {
    const s = scripted((r) => {
      if (r.id === 0) return { body: { r: r.body.d } };
      if (r.id === 6) return { body: { buf_size: 2048, buf_count: 4 } };
      return { body: {} };
    });
    const c = new SmpClient(s.transport);
    expect(await c.echo('hi')).toBe('hi');
    expect(await c.mcumgrParams()).toEqual({ bufSize: 2048, bufCount: 4 });
    await c.reset();
    expect(s.requests.map((r) => [r.op, r.group, r.id])).toEqual([
      [2, 0, 0],
      [0, 0, 6],
      [2, 0, 5],
    ]);
    expect(s.requests.map((r) => r.seq)).toEqual([0, 1, 2]);
  });

  it('parses an image state list with Zephyr flag defaults (smp_group_1.rst)', async () => {
    const s = scripted(() => ({
      body: {
        images: [{ slot: 0, version: '1.2.3', hash: HASH, bootable: true, confirmed: true, active: true }],
        splitStatus: 0,
      },
    }));
    const [img] = await new SmpClient(s.transport).imageState();
    expect(img).toEqual({
      image: 0,
      slot: 0,
      version: '1.2.3',
      hash: HASH,
      bootable: true,
      pending: false,
      confirmed: true,
      active: true,
      permanent: false,
    });
  });

  it('test and confirm write the state with hash and confirm flags', async () => {
    const s = scripted(() => ({ body: { images: [] } }));
    const c = new SmpClient(s.transport);
    await c.testImage(HASH);
    await c.confirm();
    await c.erase(1);
    expect(s.requests.map((r) => [r.op, r.group, r.id, r.body])).toEqual([
      [2, 1, 0, { hash: HASH, confirm: false }],
      [2, 1, 0, { confirm: true }],
      [2, 1, 5, { slot: 1 }],
    ]);
  });

  it('turns v1 and v2 error answers into named SmpDeviceErrors', async () => {
    const s = scripted((r) =>
      r.id === 0 && r.group === 1 ? { body: { err: { group: 1, rc: 8 } } } : { body: { rc: 8 } },
    );
    const c = new SmpClient(s.transport);
    await expect(c.testImage(HASH)).rejects.toMatchObject({ code: 'IMG_MGMT_ERR_HASH_NOT_FOUND' });
    await expect(c.echo('x')).rejects.toBeInstanceOf(SmpDeviceError);
  });

  it('a silent device times out; answers with another seq, group or id are ignored', async () => {
    const s = scripted((r) => ({ packet: Uint8Array.of(0x0b, 0, 0, 1, 0, 0, (r.seq + 1) & 0xff, 0, 0xa0) }));
    await expect(new SmpClient(s.transport, { timeoutMs: 50 }).echo('x')).rejects.toBeInstanceOf(
      SmpTimeoutError,
    );
    const wrongId = scripted((r) => ({ packet: Uint8Array.of(0x0b, 0, 0, 1, 0, 0, r.seq, 7, 0xa0) }));
    await expect(new SmpClient(wrongId.transport, { timeoutMs: 50 }).echo('x')).rejects.toThrow(
      /within 50 ms/,
    );
  });

  it('garbage answers give clear errors: bad CBOR, wrong length, missing or mistyped fields', async () => {
    const badCbor = scripted(() => ({ raw: Uint8Array.of(0xa1, 0x61) }));
    await expect(new SmpClient(badCbor.transport).echo('x')).rejects.toBeInstanceOf(SmpCborError);
    const short = scripted((r) => ({ packet: Uint8Array.of(0x0b, 0, 0, 9, 0, 0, r.seq, 0, 0xa0) }));
    await expect(new SmpClient(short.transport).echo('x')).rejects.toThrow(/length/);
    const noText = scripted(() => ({ body: { r: 5 } }));
    await expect(new SmpClient(noText.transport).echo('x')).rejects.toBeInstanceOf(SmpProtocolError);
    const badHash = scripted(() => ({ body: { images: [{ slot: 0, version: '1', hash: 'ab' }] } }));
    await expect(new SmpClient(badHash.transport).imageState()).rejects.toThrow(/hash/);
    const badParams = scripted(() => ({ body: { buf_size: -1, buf_count: 1 } }));
    await expect(new SmpClient(badParams.transport).mcumgrParams()).rejects.toBeInstanceOf(SmpProtocolError);
  });

  it('any answer body to image state yields a list or a typed error (fuzz)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 80 }), async (raw) => {
        const s = scripted(() => ({ raw }));
        try {
          await new SmpClient(s.transport, { timeoutMs: 200 }).imageState();
        } catch (e) {
          expect([SmpCborError, SmpProtocolError, SmpDeviceError].some((t) => e instanceof t)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('SMP client upload', () => {
  const file = new Uint8Array(5000).map((_, i) => (i * 31) & 0xff);
  const sha = new Uint8Array(createHash('sha256').update(file).digest());

  /** A device following img_mgmt: next offset in `off`, resume on a repeated sha. */
  function device(
    bufSize: number,
    opts: { resumeAt?: number; noMatch?: boolean; stuck?: boolean; dropNth?: number } = {},
  ) {
    let off = 0;
    const stored = new Uint8Array(file.length);
    let chunks = 0;
    const whole = opts.resumeAt === undefined;
    return scripted((r) => {
      if (r.group === 0 && r.id === 6) return { body: { buf_size: bufSize, buf_count: 4 } };
      const b = r.body as { off: number; data: Uint8Array; len?: number };
      if (b.off === 0 && opts.resumeAt !== undefined) {
        off = opts.resumeAt;
        opts.resumeAt = undefined;
        return { body: { off } };
      }
      if (b.off !== off) return { body: { off } };
      // a chunk lost inside the device (no buffer free): answered with the unchanged offset
      if (++chunks === opts.dropNth) return { body: { off } };
      stored.set(b.data, b.off);
      if (!opts.stuck) off += b.data.length;
      if (whole && off === file.length) expect(stored).toEqual(file);
      return { body: off === file.length ? { off, match: !opts.noMatch } : { off } };
    });
  }

  it('sends len and sha (SHA-256 of the whole file) on the first chunk only, every packet within buf_size', async () => {
    const d = device(384);
    const progress: number[] = [];
    expect(
      await new SmpClient(d.transport).upload(file, { onProgress: (p) => progress.push(p.offset) }),
    ).toEqual({ match: true });
    const uploads = d.requests.filter((r) => r.group === 1);
    expect(uploads[0]?.body).toMatchObject({ image: 0, len: 5000, off: 0, sha });
    for (const u of uploads.slice(1)) expect(Object.keys(u.body).sort()).toEqual(['data', 'off']);
    const { encode } = await import('cborg');
    for (const u of uploads) expect(8 + encode(u.body).length).toBeLessThanOrEqual(380);
    // chunks are as large as the buffer allows: 5000 bytes in 15 packets of ≤ 380
    expect(uploads.length).toBeLessThanOrEqual(15);
    expect(Buffer.concat(uploads.map((u) => u.body.data as Uint8Array))).toEqual(Buffer.from(file));
    expect(progress.at(-1)).toBe(5000);
  });

  it('every chunk is the largest whose packet fits buf_size, checked by an independent encode (fuzz)', async () => {
    const { encode } = await import('cborg');
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 90, max: 6000 }), async (bufSize) => {
        const d = device(bufSize);
        await new SmpClient(d.transport).upload(file);
        const limit = bufSize - 4; // the scripted transport's maxPacket
        const uploads = d.requests.filter((r) => r.group === 1);
        for (const u of uploads) {
          const data = u.body.data as Uint8Array;
          expect(8 + encode(u.body).length).toBeLessThanOrEqual(limit);
          const last = (u.body.off as number) + data.length === file.length;
          // one byte more would not have fitted
          if (!last)
            expect(8 + encode({ ...u.body, data: new Uint8Array(data.length + 1) }).length).toBeGreaterThan(
              limit,
            );
        }
      }),
      { numRuns: 60 },
    );
  });

  it('resumes from the offset the device answers to a repeated first chunk', async () => {
    const d = device(2048, { resumeAt: 4000 });
    await new SmpClient(d.transport).upload(file);
    const uploads = d.requests.filter((r) => r.group === 1);
    expect(uploads.map((u) => u.body.off)).toEqual([0, 4000]);
  });

  it('keeps up to buf_count - 1 chunks in flight and resends from the offset a device answers after losing one', async () => {
    const d = device(384, { dropNth: 3 });
    const inFlight: number[] = [];
    const send = d.transport.send;
    let outstanding = 0;
    d.transport.send = async (p) => {
      outstanding++;
      inFlight.push(outstanding);
      await send(p);
    };
    const onPacket = d.transport.onPacket;
    d.transport.onPacket = (l) =>
      onPacket((p) => {
        outstanding--;
        l(p);
      });
    expect(await new SmpClient(d.transport).upload(file)).toEqual({ match: true });
    expect(Math.max(...inFlight)).toBe(3);
    const offs = d.requests.filter((r) => r.group === 1).map((r) => r.body.off as number);
    // the lost chunk's offset is sent twice, after the chunks in flight behind it were answered
    expect(offs.filter((o, i) => offs.indexOf(o) !== i).length).toBeGreaterThanOrEqual(1);
  });

  it('sends again a first chunk and a later chunk that were lost on the line (no answer)', async () => {
    let off = 0;
    const lost = new Set([0, 3]); // the 1st upload request and the 4th
    let n = 0;
    const s = scripted((r) => {
      if (r.group === 0) return { body: { buf_size: 384, buf_count: 4 } };
      if (lost.delete(n++)) return undefined;
      const b = r.body as { off: number; data: Uint8Array };
      if (b.off === off) off += b.data.length;
      return { body: { off } };
    });
    await new SmpClient(s.transport, { timeoutMs: 100 }).upload(file);
    expect(off).toBe(file.length);
  });

  it('refuses an offset that does not advance and a final match=false', async () => {
    await expect(new SmpClient(device(2048, { stuck: true }).transport).upload(file)).rejects.toThrow(
      /did not advance/,
    );
    await expect(new SmpClient(device(2048, { noMatch: true }).transport).upload(file)).rejects.toThrow(
      /does not match/,
    );
  });
});
