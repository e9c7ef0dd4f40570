/**
 * One local flash job at a time over USB serial or Bluetooth LE: the image is verified (format, hash,
 * signature against the pinned keys, slot size) before the link is even opened, and
 * again against what the device runs (downgrade, security counter) before any image byte
 * goes out. The job is persisted on every step, so an engine killed mid-upload shows it
 * as interrupted on restart and Resume continues from the device's offset. Each result
 * is audited.
 */
import { randomUUID } from 'node:crypto';
import type { RequestResult } from '../../../common/contract';
import type { FlashJob } from '../../../common/flash-contract';
import { RpcError } from '../../../common/protocol';
import type { Logger } from '../log';
import { ESP_IMAGE_MAGIC } from './esp-app-image';
import { type DeviceTargetLookup, imageTargetOf, matchDevice, type TargetMatch } from './firmware-target';
import { type FlashJobDeps, type FlashLink, runFlashJob } from './flash-job';
import type { FlashJobFile } from './flash-job-file';
import type { SerialTarget } from './flash-serial-link';
import { readUploadSlotLimit } from './flash-slot-info';
import { refuse } from './image-refusal';
import type { ImageVersion } from './mcuboot-image';
import { type PinnedKey, type VerifiedMcubootImage, verifyMcubootImage } from './verify-image';

/** Where images come from; the firmware library implements it (getImage re-hashes stored bytes). */
export interface FirmwareSource {
  getImage(sha256: string): Promise<{ bytes: Uint8Array } | undefined> | { bytes: Uint8Array } | undefined;
  list(): Promise<readonly { sha256: string }[]> | readonly { sha256: string }[];
}

export interface FlashTargetRequest {
  deviceId?: string;
  port?: string;
  baudRate?: number;
  peripheralId?: string;
}

/** over Bluetooth, `path` is the peripheral id and `baudRate` 0 */
export interface ResolvedTarget extends SerialTarget {
  link: 'serial' | 'ble';
  deviceId: string | null;
  /** the serial connector that holds the port (paused while flashing), or the BLE connector that sees the peripheral */
  connectorId: string | null;
}

export interface FlashServiceDeps {
  jobFile: FlashJobFile;
  source: FirmwareSource;
  pinnedKeys(): readonly PinnedKey[];
  /**
   * The hardware the device declares (its profile's firmware target), or why it is not known:
   * a port or peripheral outside the registry, a profile without one.
   */
  deviceTarget(target: ResolvedTarget): DeviceTargetLookup;
  /** throws RpcError NOT_FOUND / INVALID_PARAMS for a device that cannot be flashed */
  resolveTarget(target: FlashTargetRequest): ResolvedTarget;
  /** frees the port (pauses its connector, closes a commissioning link); the returned function gives it back */
  holdPort(target: ResolvedTarget): Promise<() => void>;
  openLink(target: ResolvedTarget): Promise<FlashLink>;
  audit(action: string, subject: string, after: unknown): void;
  /**
   * The engine's view of the device after the new image booted (it reports in, its readings
   * are sane); a failure reason or undefined. `onCount` takes the good readings so far.
   */
  health?(check: {
    target: ResolvedTarget;
    link: FlashLink;
    onCount(good: number): void;
    signal: AbortSignal;
  }): Promise<string | undefined>;
  log: Logger;
  jobOptions?: Pick<FlashJobDeps, 'reconnectTimeoutMs' | 'retryMs'>;
}

const PROGRESS_EVERY_MS = 200;
const PERSIST_EVERY_MS = 500;

export function parseDeviceVersion(text: string): ImageVersion | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,5})(?:\.(\d{1,10}))?$/.exec(text);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), revision: Number(m[3]), build: Number(m[4] ?? 0) };
}

/** The version as img_mgmt reports it in the image state list: `maj.min.rev`, `.build` when not 0. */
export function deviceStyleVersion(verified: VerifiedMcubootImage): string {
  const { major, minor, revision, build } = verified.image.version;
  return build ? `${major}.${minor}.${revision}.${build}` : `${major}.${minor}.${revision}`;
}

export class FlashService {
  private job: FlashJob | undefined;
  private running: { controller: AbortController; done: Promise<void> } | undefined;
  private readonly listeners = new Set<(job: FlashJob) => void>();
  private lastEmit = 0;
  private lastPersist = 0;

  constructor(private readonly deps: FlashServiceDeps) {
    const saved = deps.jobFile.read();
    if (saved?.state === 'running') {
      this.job = { ...saved, state: 'interrupted' };
      deps.jobFile.write(this.job);
      deps.log.warn('a flash job was interrupted by an engine stop', {
        port: saved.port,
        sha256: saved.sha256,
      });
    } else {
      this.job = saved;
    }
  }

  status(): FlashJob | null {
    return this.job ?? null;
  }

  onChange(listener: (job: FlashJob) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Library images, verified; with a target, each also matched against the device's hardware. */
  async images(request?: FlashTargetRequest): Promise<RequestResult<'flash.images'>> {
    let target: ResolvedTarget | undefined;
    try {
      target = request ? this.deps.resolveTarget(request) : undefined;
    } catch {
      // a device out of reach now: the list still shows what verifies; flash.start says why it cannot go
      target = undefined;
    }
    const out = [];
    for (const { sha256 } of await this.deps.source.list()) {
      const image = await this.deps.source.getImage(sha256);
      if (!image) continue;
      const verified = this.verify(image.bytes);
      const fit = target ? this.fit(target, image.bytes) : undefined;
      const reason = !verified.ok ? verified.reason : fit?.match === 'incompatible' ? fit.reason : null;
      out.push({
        sha256,
        version: verified.ok ? deviceStyleVersion(verified.value) : '',
        imageHash: verified.ok ? verified.value.imageHash : null,
        size: image.bytes.length,
        compatible: reason === null,
        reason,
        target: fit?.match ?? null,
        targetReason: fit?.match === 'unknown' ? fit.reason : null,
      });
    }
    return out;
  }

  /** The image's declared target against the device's. */
  private fit(target: ResolvedTarget, bytes: Uint8Array): TargetMatch {
    return matchDevice(imageTargetOf(bytes), this.deps.deviceTarget(target));
  }

  async slots(request: FlashTargetRequest) {
    const target = this.deps.resolveTarget(request);
    if (this.running && this.job?.port === target.path)
      throw new RpcError('UNAVAILABLE', `${target.path} is being flashed: wait for the job to end`);
    const release = await this.deps.holdPort(target);
    let link: FlashLink | undefined;
    try {
      link = await this.deps.openLink(target).catch((e: Error) => {
        throw new RpcError('UNAVAILABLE', e.message);
      });
      const state = await link.client.imageState().catch((e: Error) => {
        throw new RpcError('UNAVAILABLE', `the device does not answer SMP: ${e.message}`);
      });
      return state.map((s) => ({
        slot: s.slot,
        version: s.version,
        hash: Buffer.from(s.hash).toString('hex'),
        active: s.active,
        confirmed: s.confirmed,
        pending: s.pending,
      }));
    } finally {
      await link?.close();
      release();
    }
  }

  /**
   * `allowUnknownTarget`: the operator chose to flash although the image's or the device's
   * hardware is not known (audited with the reason); an image for other hardware never goes.
   */
  async start(
    request: FlashTargetRequest,
    sha256: string,
    options: { allowUnknownTarget?: boolean } = {},
  ): Promise<FlashJob> {
    if (this.running)
      throw new RpcError('UNAVAILABLE', 'a flash job is running: cancel it or wait for it to end');
    const target = this.deps.resolveTarget(request);
    const image = await this.deps.source.getImage(sha256);
    if (!image) throw new RpcError('NOT_FOUND', `firmware ${sha256} is not in the library`);
    const verified = this.verify(image.bytes);
    if (!verified.ok || verified.value.fileSha256 !== sha256) {
      const reason = verified.ok ? 'its bytes do not hash to the requested SHA-256' : verified.reason;
      this.deps.audit('firmware.flash.refused', target.deviceId ?? target.path, { sha256, reason });
      throw new RpcError('INVALID_PARAMS', `image refused, nothing was sent to the device: ${reason}`);
    }
    const fit = this.fit(target, image.bytes);
    if (fit.match === 'incompatible' || (fit.match === 'unknown' && !options.allowUnknownTarget)) {
      const reason =
        fit.match === 'incompatible'
          ? `wrong target: ${fit.reason}`
          : `target unknown: ${fit.reason}; flash it only with an explicit override`;
      this.deps.audit('firmware.flash.refused', target.deviceId ?? target.path, { sha256, reason });
      throw new RpcError('INVALID_PARAMS', `image refused, nothing was sent to the device: ${reason}`);
    }
    const targetOverride = fit.match === 'unknown' ? fit.reason : null;
    this.job = {
      id: randomUUID(),
      deviceId: target.deviceId,
      link: target.link,
      port: target.path,
      baudRate: target.baudRate,
      sha256,
      version: deviceStyleVersion(verified.value),
      state: 'running',
      step: null,
      progress: null,
      result: null,
      startedAt: Date.now(),
      endedAt: null,
      targetOverride,
    };
    this.deps.audit('firmware.flash.start', target.deviceId ?? target.path, {
      sha256,
      version: this.job.version,
      port: target.path,
      link: target.link,
      ...(targetOverride === null ? {} : { targetOverride }),
    });
    this.launch(target, image.bytes, verified.value);
    return this.job;
  }

  /** Runs the last job again (interrupted, failed or cancelled): the device says where it is. */
  async resume(): Promise<FlashJob> {
    const last = this.job;
    if (!last) throw new RpcError('NOT_FOUND', 'there is no flash job to resume');
    if (this.running) throw new RpcError('UNAVAILABLE', 'the flash job is running already');
    if (last.result && last.result.outcome !== 'failed' && last.result.outcome !== 'cancelled')
      throw new RpcError('INVALID_PARAMS', `the last flash job ended: ${last.result.message}`);
    const target = last.deviceId
      ? { deviceId: last.deviceId }
      : last.link === 'ble'
        ? { peripheralId: last.port }
        : { port: last.port, ...(last.baudRate ? { baudRate: last.baudRate } : {}) };
    // the operator's override holds for the job it was given for
    return this.start(target, last.sha256, { allowUnknownTarget: Boolean(last.targetOverride) });
  }

  cancel(): FlashJob | null {
    this.running?.controller.abort();
    return this.job ?? null;
  }

  async close(): Promise<void> {
    const run = this.running;
    if (!run) return;
    // an engine stopping mid-upload leaves the job interrupted, to be resumed, not cancelled;
    // once the image is marked for test the sequence runs to its end (bounded by the reconnect
    // timeout), since aborting there would revert the device for no reason of its own
    this.closing = true;
    this.stopping.abort();
    const step = this.job?.step ?? null;
    if (step === null || step === 'checking' || step === 'uploading') run.controller.abort();
    await run.done;
  }

  private closing = false;
  /** ends a health check's wait for readings when the engine stops */
  private readonly stopping = new AbortController();

  private verify(bytes: Uint8Array, running?: ImageVersion, slotSize?: number) {
    if (bytes[0] === ESP_IMAGE_MAGIC)
      return refuse(
        'unsupported',
        'an ESP-IDF app image: SMP flashing takes MCUboot images (send ESP-IDF images with a rollout)',
      );
    return verifyMcubootImage(bytes, {
      keys: this.deps.pinnedKeys(),
      ...(running ? { current: { version: running } } : {}),
      ...(slotSize === undefined ? {} : { slotSize }),
    });
  }

  private launch(target: ResolvedTarget, bytes: Uint8Array, verified: VerifiedMcubootImage): void {
    const controller = new AbortController();
    const job = this.job as FlashJob;
    this.update(job, {}, true);
    const done = (async () => {
      let release = () => {};
      try {
        release = await this.deps.holdPort(target);
        const result = await runFlashJob(
          { bytes, version: job.version, imageHash: Buffer.from(verified.imageHash, 'hex') },
          {
            connect: () => this.deps.openLink(target),
            signal: controller.signal,
            onStep: (step) => this.update(job, { step }, true),
            onProgress: (progress) => this.update(job, { progress }, progress.offset === progress.total),
            // what the device runs (downgrade, security counter) and how much its slot takes
            preflight: async (running, client) => {
              const version = (running && parseDeviceVersion(running.version)) || undefined;
              const checked = this.verify(bytes, version, await readUploadSlotLimit(client));
              return checked.ok
                ? undefined
                : `image refused, nothing was sent to the device: ${checked.reason}`;
            },
            health: async (link) => {
              // a cancel or the engine stopping ends the wait
              const ended = new AbortController();
              const end = () => ended.abort();
              for (const signal of [controller.signal, this.stopping.signal]) {
                if (signal.aborted) end();
                signal.addEventListener('abort', end, { once: true });
              }
              const checked = await this.deps.health?.({
                target,
                link,
                onCount: (good) => this.update(job, { healthReadings: good }, true),
                signal: ended.signal,
              });
              controller.signal.removeEventListener('abort', end);
              this.stopping.signal.removeEventListener('abort', end);
              // never confirmed unjudged: an engine stopping mid-check reverts the device (bounded by the reconnect timeout)
              const reason =
                this.closing && !controller.signal.aborted
                  ? 'Fieldline stopped before the readings were judged'
                  : checked;
              if (reason)
                this.deps.audit('firmware.flash.health-failed', target.deviceId ?? target.path, {
                  sha256: job.sha256,
                  version: job.version,
                  reason,
                });
              return reason;
            },
            ...this.deps.jobOptions,
          },
        );
        if (this.closing && result.outcome === 'cancelled') {
          this.update(job, { state: 'interrupted' }, true);
          return;
        }
        this.update(job, { state: 'finished', result, endedAt: Date.now() }, true);
        this.deps.audit('firmware.flash', target.deviceId ?? target.path, {
          sha256: job.sha256,
          version: job.version,
          port: target.path,
          link: target.link,
          outcome: result.outcome,
          message: result.message,
          runningVersion: result.runningVersion,
        });
      } catch (error) {
        // only the port could not be held or the job file written: the job itself never throws
        this.deps.log.error('flash job failed', { error: (error as Error).message });
        const message = `flashing failed: ${(error as Error).message}`;
        this.update(
          job,
          {
            state: 'finished',
            endedAt: Date.now(),
            result: { outcome: 'failed', message, runningVersion: null, firstOffset: 0 },
          },
          true,
        );
      } finally {
        release();
        this.running = undefined;
      }
    })();
    this.running = { controller, done };
  }

  private update(job: FlashJob, change: Partial<FlashJob>, force: boolean): void {
    Object.assign(job, change);
    const now = Date.now();
    if (force || now - this.lastPersist >= PERSIST_EVERY_MS) {
      this.lastPersist = now;
      try {
        this.deps.jobFile.write(job);
      } catch (error) {
        this.deps.log.error('cannot save the flash job', { error: (error as Error).message });
      }
    }
    if (force || now - this.lastEmit >= PROGRESS_EVERY_MS) {
      this.lastEmit = now;
      const copy = structuredClone(job);
      for (const l of this.listeners) l(copy);
    }
  }
}
