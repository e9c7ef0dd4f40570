/**
 * SMP (mcumgr) client: OS group (echo, reset, MCUmgr parameters) and image group
 * (state list/test/confirm, upload with resume, erase) over any SmpTransport.
 *
 * Requests are v2 (a v2 server also answers v1-style top-level `rc`, both are mapped to
 * SmpDeviceError). Responses are matched by sequence number, group and command id;
 * anything else from the device is ignored. Every response field is checked before use:
 * a device answering garbage yields SmpProtocolError, a silent one SmpTimeoutError.
 *
 * Upload (smp_group_1.rst): the first chunk carries `len` and `sha` (SHA-256 of the whole
 * file); the device's `off` is the next offset to send. Sending off=0 with the same `sha`
 * after a cable pull makes the device answer with where it stopped, so calling upload
 * again resumes. Chunks are as large as the device's buf_size allows on the transport,
 * and up to buf_count - 1 of them are in flight (the device queues that many packets), so
 * a fast link is not held back by one round trip per chunk.
 */
import { createHash } from 'node:crypto';
import { decodeBody, encodeBody, encodeBodyWithBytes, type SmpBody } from './smp-cbor';
import {
  decodeHeader,
  encodeHeader,
  errorOf,
  ImageCommand,
  OsCommand,
  SMP_HEADER_SIZE,
  SmpGroup,
  SmpOp,
} from './smp-header';
import type { SmpTransport } from './smp-transport';

export class SmpTimeoutError extends Error {
  override readonly name = 'SmpTimeoutError';
}
export class SmpProtocolError extends Error {
  override readonly name = 'SmpProtocolError';
}

export interface McumgrParams {
  bufSize: number;
  bufCount: number;
}

export interface ImageSlotState {
  image: number;
  slot: number;
  version: string;
  hash: Uint8Array;
  bootable: boolean;
  pending: boolean;
  confirmed: boolean;
  active: boolean;
  permanent: boolean;
}

export interface UploadProgress {
  offset: number;
  total: number;
  /** image bytes acknowledged per second in this call (resumed bytes not counted) */
  bytesPerSecond: number;
}

export interface UploadOptions {
  image?: number;
  /** ask the device to refuse anything not newer than what it runs */
  upgrade?: boolean;
  onProgress?: (p: UploadProgress) => void;
  signal?: AbortSignal;
  /** chunks in flight at most (default: the device's buf_count - 1, at most 4) */
  window?: number;
  /** timeouts tolerated in a row before the upload fails (default 2); a resumed call continues anyway */
  retries?: number;
}

export interface SmpClientOptions {
  timeoutMs?: number;
  /** used when the device does not implement MCUmgr parameters (Zephyr's netbuf default) */
  defaultBufSize?: number;
}

interface Pending {
  group: number;
  id: number;
  resolve: (body: SmpBody) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** Consecutive "off=0" answers mid-upload tolerated (device rebooted) before giving up. */
const MAX_RESTARTS = 3;
/** Upload chunks in flight at most, whatever buf_count the device announces. */
const MAX_WINDOW = 4;

export class SmpClient {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly unsubscribe: () => void;
  private readonly timeoutMs: number;
  private readonly defaultBufSize: number;
  private params: McumgrParams | undefined;

  constructor(
    private readonly transport: SmpTransport,
    options: SmpClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.defaultBufSize = options.defaultBufSize ?? 384;
    this.unsubscribe = transport.onPacket((p) => this.receive(p));
  }

  close(): void {
    this.unsubscribe();
    for (const [seq, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new SmpTimeoutError('SMP client closed'));
      this.pending.delete(seq);
    }
  }

  async request(
    op: SmpOp,
    group: number,
    id: number,
    body: SmpBody,
    timeoutMs = this.timeoutMs,
  ): Promise<SmpBody> {
    const data = encodeBody(body);
    const packet = new Uint8Array(SMP_HEADER_SIZE + data.length);
    packet.set(data, SMP_HEADER_SIZE);
    return this.exchange(op, group, id, packet, timeoutMs);
  }

  /** Sends `packet` (its body already encoded after SMP_HEADER_SIZE free bytes) and awaits the answer. */
  private async exchange(
    op: SmpOp,
    group: number,
    id: number,
    packet: Uint8Array,
    timeoutMs = this.timeoutMs,
  ): Promise<SmpBody> {
    const seq = this.seq;
    this.seq = (this.seq + 1) & 0xff;
    const length = packet.length - SMP_HEADER_SIZE;
    packet.set(encodeHeader({ op, version: 1, flags: 0, length, group, seq, id }));
    const answer = new Promise<SmpBody>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        reject(
          new SmpTimeoutError(
            `device did not answer SMP group ${group} command ${id} within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.pending.get(seq)?.reject(new SmpTimeoutError('SMP sequence number reused before an answer'));
      this.pending.set(seq, { group, id, resolve, reject, timer });
    });
    try {
      await this.transport.send(packet);
    } catch (e) {
      const p = this.pending.get(seq);
      if (p) {
        clearTimeout(p.timer);
        this.pending.delete(seq);
      }
      throw e;
    }
    const reply = await answer;
    const error = errorOf(reply);
    if (error) throw error;
    return reply;
  }

  private receive(packet: Uint8Array): void {
    let header: ReturnType<typeof decodeHeader>;
    try {
      header = decodeHeader(packet);
    } catch {
      return; // not for us or corrupt: the request times out with a clear error
    }
    const p = this.pending.get(header.seq);
    if (!p || p.group !== header.group || p.id !== header.id) return;
    if (header.op !== SmpOp.readRsp && header.op !== SmpOp.writeRsp) return;
    clearTimeout(p.timer);
    this.pending.delete(header.seq);
    if (packet.length !== SMP_HEADER_SIZE + header.length) {
      p.reject(
        new SmpProtocolError(
          `SMP answer length ${packet.length - SMP_HEADER_SIZE} differs from its header (${header.length})`,
        ),
      );
      return;
    }
    try {
      p.resolve(decodeBody(packet.subarray(SMP_HEADER_SIZE)));
    } catch (e) {
      p.reject(e instanceof Error ? e : new SmpProtocolError(String(e)));
    }
  }

  async echo(text: string): Promise<string> {
    const r = await this.request(SmpOp.write, SmpGroup.os, OsCommand.echo, { d: text });
    if (typeof r.r !== 'string') throw new SmpProtocolError('echo answer has no text `r`');
    return r.r;
  }

  async reset(): Promise<void> {
    await this.request(SmpOp.write, SmpGroup.os, OsCommand.reset, {});
  }

  async mcumgrParams(): Promise<McumgrParams> {
    const r = await this.request(SmpOp.read, SmpGroup.os, OsCommand.mcumgrParams, {});
    const bufSize = r.buf_size;
    const bufCount = r.buf_count;
    if (!isUint(bufSize) || !isUint(bufCount) || bufSize < 64)
      throw new SmpProtocolError('MCUmgr parameters answer lacks a usable buf_size/buf_count');
    this.params = { bufSize, bufCount };
    return this.params;
  }

  async imageState(): Promise<ImageSlotState[]> {
    return parseImageState(await this.request(SmpOp.read, SmpGroup.image, ImageCommand.state, {}));
  }

  /** Marks the image with this hash to boot once on the next reset (MCUboot test swap). */
  async testImage(hash: Uint8Array): Promise<ImageSlotState[]> {
    return parseImageState(
      await this.request(SmpOp.write, SmpGroup.image, ImageCommand.state, { hash, confirm: false }),
    );
  }

  /** Confirms the running image (no hash) or makes the image with `hash` permanent. */
  async confirm(hash?: Uint8Array): Promise<ImageSlotState[]> {
    const body: SmpBody = hash ? { hash, confirm: true } : { confirm: true };
    return parseImageState(await this.request(SmpOp.write, SmpGroup.image, ImageCommand.state, body));
  }

  async erase(slot?: number): Promise<void> {
    await this.request(SmpOp.write, SmpGroup.image, ImageCommand.erase, slot === undefined ? {} : { slot });
  }

  async upload(file: Uint8Array, options: UploadOptions = {}): Promise<{ match: boolean | undefined }> {
    if (file.length === 0) throw new RangeError('cannot upload an empty image');
    if (!this.params) {
      try {
        await this.mcumgrParams();
      } catch (e) {
        if (e instanceof SmpTimeoutError) throw e;
        this.params = { bufSize: this.defaultBufSize, bufCount: 1 };
      }
    }
    const { bufSize, bufCount } = this.params ?? { bufSize: this.defaultBufSize, bufCount: 1 };
    const limit = this.transport.maxPacket(bufSize);
    // the device's replies come from the same buffer pool: keep one free for them
    const window = Math.max(1, Math.min(options.window ?? MAX_WINDOW, bufCount - 1));
    const retries = options.retries ?? 2;
    const sha = new Uint8Array(createHash('sha256').update(file).digest());
    const started = Date.now();
    let sentFrom: number | undefined;
    const progress = (offset: number) => {
      sentFrom ??= offset;
      const elapsed = (Date.now() - started) / 1000;
      options.onProgress?.({
        offset,
        total: file.length,
        bytesPerSecond: elapsed > 0 ? (offset - sentFrom) / elapsed : 0,
      });
    };
    for (let restarts = 0; ; restarts++) {
      // the device restarted (or never stored the first chunk): start over, a few times at most
      if (restarts > MAX_RESTARTS)
        throw new SmpProtocolError(`upload offset did not advance (device answered 0 ${restarts} times)`);
      options.signal?.throwIfAborted();
      // the first chunk goes alone: its answer may be a resume offset anywhere in the file
      const extra: SmpBody = { image: options.image ?? 0, len: file.length, sha, upgrade: options.upgrade };
      const size = fitChunk(file.length, limit, (n) => ({ ...extra, off: 0, data: new Uint8Array(n) }));
      const r = await this.retrying(retries, () =>
        this.request(SmpOp.write, SmpGroup.image, ImageCommand.upload, {
          ...extra,
          off: 0,
          data: file.subarray(0, size),
        }),
      );
      const next = offsetOf(r, file.length);
      if (next === 0) continue;
      progress(next);
      const final =
        next === file.length
          ? r
          : await this.stream(file, next, { limit, window, retries, progress }, options.signal);
      if (!final) continue;
      const match = typeof final.match === 'boolean' ? final.match : undefined;
      if (match === false)
        throw new SmpProtocolError('device reports the uploaded image does not match its SHA-256');
      return { match };
    }
  }

  /** Repeats a request that timed out (a frame garbled on the line), `retries` times at most. */
  private async retrying(retries: number, send: () => Promise<SmpBody>): Promise<SmpBody> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await send();
      } catch (e) {
        if (!(e instanceof SmpTimeoutError) || attempt >= retries) throw e;
      }
    }
  }

  /**
   * Sends the rest of the file from `from` with up to `window` chunks in flight. A device
   * answering another offset than expected dropped data (img_mgmt answers the offset it
   * wants): the chunks in flight are awaited and sending resumes at its latest offset.
   * Returns the final answer, or undefined when the device went back to offset 0.
   */
  private async stream(
    file: Uint8Array,
    from: number,
    {
      limit,
      window,
      retries,
      progress,
    }: { limit: number; window: number; retries: number; progress: (offset: number) => void },
    signal: AbortSignal | undefined,
  ): Promise<SmpBody | undefined> {
    let acked = from;
    let at = from;
    let stalls = 0;
    let timeouts = 0;
    const inflight: { expected: number; reply: Promise<SmpBody> }[] = [];
    const settle = () => Promise.allSettled(inflight.splice(0).map((f) => f.reply));
    try {
      for (;;) {
        signal?.throwIfAborted();
        while (inflight.length < window && at < file.length) {
          const off = at;
          const size = fitChunk(file.length - off, limit, (n) => ({ off, data: new Uint8Array(n) }));
          const packet = encodeBodyWithBytes(
            { off },
            'data',
            file.subarray(off, off + size),
            SMP_HEADER_SIZE,
          );
          const reply = this.exchange(SmpOp.write, SmpGroup.image, ImageCommand.upload, packet);
          reply.catch(() => {}); // awaited in order below; this only keeps a later failure from going unhandled
          inflight.push({ expected: off + size, reply });
          at = off + size;
        }
        const head = inflight.shift();
        if (!head) throw new SmpProtocolError('upload stopped with nothing in flight');
        let r: SmpBody | undefined;
        let next = acked;
        try {
          r = await head.reply;
          next = offsetOf(r, file.length);
        } catch (e) {
          // a chunk lost on the line (or a device buffer full): the ones behind it may tell where the device is
          if (!(e instanceof SmpTimeoutError) || ++timeouts > retries) throw e;
        }
        if (!r || next !== head.expected) {
          for (const s of await settle())
            if (s.status === 'fulfilled') {
              r = s.value;
              next = offsetOf(r, file.length);
            }
          if (!r) {
            at = acked; // nothing came back: send again from the last acknowledged offset
            continue;
          }
          if (next === 0) return undefined;
          at = next;
          if (next <= acked) {
            if (++stalls > MAX_RESTARTS)
              throw new SmpProtocolError(
                `upload offset did not advance (sent ${acked}, device answered ${next})`,
              );
            acked = next; // the device's offset is the truth, even behind ours
            continue;
          }
        }
        stalls = 0;
        timeouts = 0;
        acked = next;
        progress(acked);
        if (acked === file.length) return r;
      }
    } finally {
      await settle();
    }
  }
}

/** The `off` of an upload answer, checked. */
function offsetOf(r: SmpBody, total: number): number {
  const off = r.off;
  if (!isUint(off) || off > total)
    throw new SmpProtocolError(`upload answer has an invalid offset ${JSON.stringify(off)}`);
  return off;
}

function isUint(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/** Bytes of a CBOR byte-string header for a string of n bytes (RFC 8949 §3: 0-23, 1-, 2-, 4-byte length). */
function bstrHeader(n: number): number {
  return n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
}

/**
 * The largest data length (≤ remaining) whose request packet fits `limit` bytes. Only the
 * data's byte-string header varies with its length, so the body is encoded once, empty
 * (an upload encodes this for every chunk: a trial encode of the whole chunk doubled the work).
 */
function fitChunk(remaining: number, limit: number, body: (n: number) => SmpBody): number {
  const empty = SMP_HEADER_SIZE + encodeBody(body(0)).length - bstrHeader(0);
  let n = 0;
  for (const header of [1, 2, 3, 5]) {
    const fits = Math.min(remaining, limit - empty - header);
    if (fits > 0 && bstrHeader(fits) <= header) {
      n = fits;
      break;
    }
  }
  if (n <= 0)
    throw new SmpProtocolError(`device buffer (${limit} bytes for a packet) is too small for an upload`);
  return n;
}

function parseImageState(body: SmpBody): ImageSlotState[] {
  const images = body.images;
  if (!Array.isArray(images)) throw new SmpProtocolError('image state answer has no `images` list');
  return images.map((raw, i) => {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw) || raw instanceof Uint8Array)
      throw new SmpProtocolError(`image state entry ${i} is not a map`);
    const e = raw as SmpBody;
    const flag = (k: string) => {
      if (e[k] === undefined) return false;
      if (typeof e[k] !== 'boolean')
        throw new SmpProtocolError(`image state entry ${i}: \`${k}\` is not a boolean`);
      return e[k] as boolean;
    };
    if (e.image !== undefined && !isUint(e.image))
      throw new SmpProtocolError(`image state entry ${i}: bad \`image\``);
    if (!isUint(e.slot)) throw new SmpProtocolError(`image state entry ${i}: bad \`slot\``);
    if (typeof e.version !== 'string') throw new SmpProtocolError(`image state entry ${i}: bad \`version\``);
    if (!(e.hash instanceof Uint8Array) || e.hash.length !== 32)
      throw new SmpProtocolError(`image state entry ${i}: \`hash\` is not a 32-byte string`);
    return {
      image: (e.image as number | undefined) ?? 0,
      slot: e.slot,
      version: e.version,
      hash: e.hash,
      bootable: flag('bootable'),
      pending: flag('pending'),
      confirmed: flag('confirmed'),
      active: flag('active'),
      permanent: flag('permanent'),
    };
  });
}
