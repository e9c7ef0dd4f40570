/**
 * A simulated Zephyr + MCUboot device answering SMP over the serial console framing on a
 * byte link (a pty in tests), or over any packet port (the BLE SMP service: see
 * smp-ble-simulated-device.ts). Two slots with MCUboot's test/confirm/revert semantics:
 * upload lands in slot 1; test marks it pending; reset swaps it into slot 0 unconfirmed
 * (active); confirm makes it permanent; a reset without confirm swaps back (revert).
 * Like Zephyr it prints log lines on the same UART, answers a reset before rebooting,
 * checks the image header magic on the first chunk, and resumes an upload when the
 * first chunk repeats the `sha` of the one in progress.
 * Failure modes: slow flash, link cut mid-upload (stops answering), image that does not
 * boot (MCUboot reverts on the reset), silent after a reset.
 */
import { createHash } from 'node:crypto';
import { readImageIdentity } from './mcuboot-test-image';
import { decodeBody, encodeBody, type SmpBody } from './smp-cbor';
import {
  decodeHeader,
  encodeHeader,
  ImageCommand,
  OsCommand,
  SMP_HEADER_SIZE,
  SmpGroup,
  SmpOp,
} from './smp-header';
import { encodeSerialFrame, SerialFrameDecoder } from './smp-serial-framing';
import type { ByteLink } from './smp-transport';

/** The device side of an SMP transport: whole packets in and out, and where its log lines go. */
export interface SmpDevicePort {
  onPacket(listener: (packet: Uint8Array) => void): () => void;
  sendPacket(packet: Uint8Array): Promise<void>;
  log(line: string): Promise<void>;
  /** told when the device goes down for a reset (true) and is back (false): a radio link drops */
  rebooting?(down: boolean): void;
}

/** The serial console transport on a byte link: frames in and out, logs on the same UART. */
function serialDevicePort(link: ByteLink, maxPacket: number): SmpDevicePort {
  return {
    onPacket(listener) {
      const decoder = new SerialFrameDecoder(listener, undefined, { maxPacket });
      return link.onData((bytes) => decoder.push(bytes));
    },
    sendPacket: (packet) => link.write(encodeSerialFrame(packet)),
    log: (line) => link.write(Buffer.from(`${line}\r\n`)),
  };
}

export interface SimulatedMcubootOptions {
  /** the image in slot 0 at power-on (an MCUboot image) */
  initialImage: Uint8Array;
  bufSize?: number;
  bufCount?: number;
  slotSize?: number;
  /** extra delay per upload chunk, as a slow flash */
  flashDelayMs?: number;
  /** the device goes silent once this many image bytes are written, until restoreLink() */
  cutLinkAfterBytes?: number;
  /** the next tested image fails to boot: MCUboot reverts to the old one on the reset */
  newImageFailsToBoot?: boolean;
  /** after the next reset the device never answers again (a hang in early boot, a dead USB bridge) */
  silentAfterReset?: boolean;
  rebootMs?: number;
}

interface Slot {
  bytes: Uint8Array;
  version: string;
  hash: Uint8Array;
}

// MGMT_ERR_* (mgmt_defines.h) and IMG_MGMT_ERR_* (img_mgmt.h) codes this device answers with
const EINVAL = 3;
const EBADSTATE = 6;
const ENOTSUP = 8;
/** image group command 6 (smp_group_1.rst, CONFIG_MCUMGR_GRP_IMG_SLOT_INFO) */
const SLOT_INFO = 6;
const IMG_HASH_NOT_FOUND = 8;
const IMG_NO_FREE_SLOT = 9;
const IMG_INVALID_LENGTH = 21;
const IMG_INVALID_HEADER_MAGIC = 23;

class Answer extends Error {
  constructor(readonly body: SmpBody) {
    super('smp error answer');
  }
}
const v1Error = (rc: number) => new Answer({ rc });
const imageError = (rc: number) => new Answer({ err: { group: SmpGroup.image, rc } });

function slotOf(bytes: Uint8Array): Slot | undefined {
  const id = readImageIdentity(bytes);
  return id && { bytes, ...id };
}

const same = (a: Uint8Array | undefined, b: Uint8Array | undefined) =>
  !!a && !!b && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

export class SimulatedMcubootDevice {
  private primary: Slot;
  private primaryConfirmed = true;
  private secondary: Slot | undefined;
  private pending: 'test' | 'permanent' | undefined;
  private upload: { len: number; sha?: Uint8Array; off: number; buf: Uint8Array } | undefined;
  private linkCut = false;
  private rebooting = false;
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  private readonly port: SmpDevicePort;
  private readonly off: () => void;
  private readonly started = Date.now();
  readonly boots: string[] = [];

  constructor(
    link: ByteLink | SmpDevicePort,
    private readonly options: SimulatedMcubootOptions,
  ) {
    const primary = slotOf(options.initialImage);
    if (!primary) throw new Error('the initial image is not an MCUboot image');
    this.primary = primary;
    // Zephyr decodes a serial frame (length prefix and CRC included) into one buf_size netbuf
    this.port = 'sendPacket' in link ? link : serialDevicePort(link, this.bufSize - 4);
    this.off = this.port.onPacket((p) => {
      if (this.linkCut || this.rebooting) return;
      // like Zephyr's transport: buf_count buffers, a packet arriving when all are busy is lost
      if (this.queued >= this.bufCount) return;
      this.queued++;
      this.queue = this.queue.then(() => this.handle(p)).catch(() => {});
    });
    void this.log('*** Booting Zephyr OS build v3.7.0 ***');
  }

  get bufSize(): number {
    return this.options.bufSize ?? 384;
  }

  get bufCount(): number {
    return this.options.bufCount ?? 4;
  }

  /** The cable is back: the device answers again (its upload state survives, as RAM does). */
  restoreLink(): void {
    this.linkCut = false;
  }

  get linkIsCut(): boolean {
    return this.linkCut;
  }

  stop(): void {
    this.off();
  }

  get activeVersion(): string {
    return this.primary.version;
  }

  /** the hash of the image running now */
  get activeHash(): Uint8Array {
    return this.primary.hash;
  }

  /** running an image and reachable: not rebooting, not hung after a reset, not cut off */
  get isUp(): boolean {
    return !this.rebooting && !this.linkCut;
  }

  private elapsed(): string {
    const ms = Date.now() - this.started;
    const s = Math.floor(ms / 1000);
    const hh = String(Math.floor(s / 3600)).padStart(2, '0');
    const mm = String(Math.floor(s / 60) % 60).padStart(2, '0');
    const ss = String(s % 60).padStart(2, '0');
    return `${hh}:${mm}:${ss}.${String(ms % 1000).padStart(3, '0')},000`;
  }

  private log(text: string, module = 'app'): Promise<void> {
    const line = text.startsWith('***') ? text : `[${this.elapsed()}] <inf> ${module}: ${text}`;
    return this.port.log(line).catch(() => {});
  }

  /** Answers one queued packet; its receive buffer is free once the answer is built, as in Zephyr's smp.c. */
  private async handle(packet: Uint8Array): Promise<void> {
    let answer: { packet: Uint8Array; after?: () => Promise<void> } | undefined;
    try {
      answer = await this.answer(packet);
    } finally {
      this.queued--;
    }
    if (!answer) return;
    await this.port.sendPacket(answer.packet);
    if (answer.after) await answer.after();
  }

  private async answer(
    packet: Uint8Array,
  ): Promise<{ packet: Uint8Array; after?: () => Promise<void> } | undefined> {
    if (this.linkCut || this.rebooting) return undefined;
    let header: ReturnType<typeof decodeHeader>;
    try {
      header = decodeHeader(packet);
    } catch {
      return undefined;
    }
    let reply: SmpBody;
    let after: (() => Promise<void>) | undefined;
    try {
      if (packet.length !== SMP_HEADER_SIZE + header.length) throw v1Error(EINVAL);
      let body: SmpBody;
      try {
        // read in place as zcbor does (cborg's byte strings are views into a Buffer, copies
        // otherwise): each upload chunk is then copied once, into the slot
        body = decodeBody(
          Buffer.from(packet.buffer, packet.byteOffset + SMP_HEADER_SIZE, packet.length - SMP_HEADER_SIZE),
        );
      } catch {
        throw v1Error(EINVAL);
      }
      const r = await this.dispatch(header.group, header.id, header.op, body);
      reply = r.reply;
      after = r.after;
    } catch (e) {
      if (!(e instanceof Answer)) throw e;
      reply = e.body;
    }
    if (this.linkCut) return undefined;
    const data = encodeBody(reply);
    const op = header.op === SmpOp.read ? SmpOp.readRsp : SmpOp.writeRsp;
    const h = encodeHeader({ ...header, op, flags: 0, length: data.length });
    return { packet: new Uint8Array(Buffer.concat([h, data])), after };
  }

  private async dispatch(
    group: number,
    id: number,
    op: number,
    body: SmpBody,
  ): Promise<{ reply: SmpBody; after?: () => Promise<void> }> {
    const write = op === SmpOp.write;
    if (group === SmpGroup.os && id === OsCommand.echo) {
      if (typeof body.d !== 'string') throw v1Error(EINVAL);
      return { reply: { r: body.d } };
    }
    if (group === SmpGroup.os && id === OsCommand.reset && write)
      return { reply: {}, after: () => this.reboot() };
    if (group === SmpGroup.os && id === OsCommand.mcumgrParams && !write)
      return { reply: { buf_size: this.bufSize, buf_count: this.bufCount } };
    if (group === SmpGroup.image && id === ImageCommand.state)
      return { reply: write ? this.writeState(body) : this.stateList() };
    if (group === SmpGroup.image && id === SLOT_INFO && !write) {
      // smp_group_1.rst "Slot info": both slots of image 0, the size MCUboot's partitions have
      const size = this.options.slotSize ?? 1 << 20;
      return {
        reply: {
          images: [
            {
              image: 0,
              slots: [
                { slot: 0, size },
                { slot: 1, size },
              ],
            },
          ],
        },
      };
    }
    if (group === SmpGroup.image && id === ImageCommand.upload && write)
      return { reply: await this.uploadChunk(body) };
    if (group === SmpGroup.image && id === ImageCommand.erase && write) {
      if (body.slot !== undefined && body.slot !== 1) throw v1Error(EINVAL);
      if (this.pending) throw v1Error(EBADSTATE);
      this.secondary = undefined;
      this.upload = undefined;
      await this.log('Erased slot 1', 'mcumgr_img_grp');
      return { reply: {} };
    }
    throw v1Error(ENOTSUP);
  }

  private stateList(): SmpBody {
    const images: SmpBody[] = [
      {
        image: 0,
        slot: 0,
        version: this.primary.version,
        hash: this.primary.hash,
        bootable: true,
        confirmed: this.primaryConfirmed,
        active: true,
      },
    ];
    if (this.secondary)
      images.push({
        image: 0,
        slot: 1,
        version: this.secondary.version,
        hash: this.secondary.hash,
        bootable: true,
        pending: this.pending !== undefined,
        permanent: this.pending === 'permanent',
      });
    return { images, splitStatus: 0 };
  }

  private writeState(body: SmpBody): SmpBody {
    const hash = body.hash;
    if (typeof body.confirm !== 'boolean' && body.confirm !== undefined) throw v1Error(EINVAL);
    if (hash !== undefined && !(hash instanceof Uint8Array)) throw v1Error(EINVAL);
    const confirm = body.confirm === true;
    if (!hash || same(hash, this.primary.hash)) {
      if (!confirm) throw v1Error(EBADSTATE);
      this.primaryConfirmed = true;
    } else if (same(hash, this.secondary?.hash)) {
      this.pending = confirm ? 'permanent' : 'test';
    } else {
      throw imageError(IMG_HASH_NOT_FOUND);
    }
    return this.stateList();
  }

  private async uploadChunk(body: SmpBody): Promise<SmpBody> {
    const { off, data, len, sha } = body;
    if (typeof off !== 'number' || !(data instanceof Uint8Array)) throw v1Error(EINVAL);
    if (off === 0) {
      if (typeof len !== 'number' || len <= 0) throw imageError(IMG_INVALID_LENGTH);
      if (len > (this.options.slotSize ?? 1 << 20)) throw imageError(IMG_INVALID_LENGTH);
      if (sha !== undefined && !(sha instanceof Uint8Array)) throw v1Error(EINVAL);
      // the order of zephyr_img_mgmt.c img_mgmt_upload_inspect(): header magic, then an upload in
      // progress with the same sha is resumed (answered with its offset), then a free slot
      if (data.length < 4 || Buffer.from(data).readUInt32LE(0) !== 0x96f3b83d)
        throw imageError(IMG_INVALID_HEADER_MAGIC);
      const up = this.upload;
      if (up && sha instanceof Uint8Array && sha.length > 0 && same(up.sha, sha)) return { off: up.off };
      if (this.pending) throw imageError(IMG_NO_FREE_SLOT);
      this.secondary = undefined;
      this.upload = { len, sha: sha as Uint8Array | undefined, off: 0, buf: new Uint8Array(len) };
      await this.log(`Erased 0x${len.toString(16)} bytes of image slot`, 'mcumgr_img_grp');
    }
    const up = this.upload;
    if (!up) throw v1Error(EINVAL);
    // img_mgmt drops data at an unexpected offset and answers the offset it wants
    if (off !== up.off) return { off: up.off };
    if (off + data.length > up.len) throw imageError(IMG_INVALID_LENGTH);
    if (this.options.flashDelayMs) await new Promise((r) => setTimeout(r, this.options.flashDelayMs));
    up.buf.set(data, off);
    up.off += data.length;
    const cut = this.options.cutLinkAfterBytes;
    if (cut !== undefined && up.off >= cut && up.off < up.len && !this.cutDone) {
      this.cutDone = true;
      this.linkCut = true;
    }
    if (up.off < up.len) return { off: up.off };
    this.upload = undefined;
    this.secondary = slotOf(up.buf);
    const match = up.sha ? same(createHash('sha256').update(up.buf).digest(), up.sha) : undefined;
    await this.log(`Upload complete (${up.len} bytes)`, 'mcumgr_img_grp');
    return match === undefined ? { off: up.off } : { off: up.off, match };
  }

  private cutDone = false;

  private async reboot(): Promise<void> {
    this.rebooting = true;
    this.port.rebooting?.(true);
    if (this.options.silentAfterReset) return;
    await new Promise((r) => setTimeout(r, this.options.rebootMs ?? 30));
    const secondary = this.secondary;
    if (this.pending && secondary) {
      if (this.options.newImageFailsToBoot) {
        this.pending = undefined;
        this.boots.push(`${secondary.version} failed to boot, reverted to ${this.primary.version}`);
      } else {
        const confirmed = this.pending === 'permanent';
        this.secondary = this.primary;
        this.primary = secondary;
        this.primaryConfirmed = confirmed;
        this.pending = undefined;
        this.boots.push(`swapped to ${secondary.version} (${confirmed ? 'permanent' : 'test'})`);
      }
    } else if (!this.primaryConfirmed && secondary) {
      this.secondary = this.primary;
      this.primary = secondary;
      this.primaryConfirmed = true;
      this.boots.push(`reverted to ${secondary.version}`);
    } else {
      this.boots.push(`booted ${this.primary.version}`);
    }
    this.upload = undefined;
    this.rebooting = false;
    this.port.rebooting?.(false);
    await this.log('*** Booting Zephyr OS build v3.7.0 ***');
    await this.log(`Running image ${this.primary.version}`);
  }
}
