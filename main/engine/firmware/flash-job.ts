/**
 * The safe local flashing sequence over SMP (mcumgr): read state → upload (resumed from
 * the device's `off`) → mark for test → reset → reconnect → the new hash is active and
 * unconfirmed → health check → confirm. Once the image is marked for test, any failure
 * or a cancel resets the device until MCUboot runs the old image again, and the result
 * says in plain words what happened.
 *
 * The job holds no state of its own between runs: everything it needs is read back from
 * the device, so running it again after a cable pull or an engine crash continues where
 * the device is (upload offset, image pending, new image booted but unconfirmed).
 */
import type { FLASH_OUTCOMES, FLASH_STEP_NAMES } from '../../../common/flash-contract';
import type { ImageSlotState, SmpClient } from '../smp/smp-client';
import { SmpTimeoutError } from '../smp/smp-client';

export type FlashStep = (typeof FLASH_STEP_NAMES)[number];
export type FlashOutcome = (typeof FLASH_OUTCOMES)[number];

export interface FlashImage {
  bytes: Uint8Array;
  version: string;
  /** the SHA256 TLV: what the device's image state reports as `hash` */
  imageHash: Uint8Array;
}

export interface FlashProgress {
  offset: number;
  total: number;
  bytesPerSecond: number;
  /** null until a rate is known */
  secondsLeft: number | null;
}

export interface FlashLink {
  client: SmpClient;
  close(): Promise<void>;
  /** what the device sends that is not SMP (a serial UART's telemetry and logs); returns the unsubscribe */
  onDeviceOutput?(listener: (bytes: Uint8Array) => void): () => void;
}

export interface FlashJobDeps {
  /** opens the port and an SMP client on it; throws while the port is absent (device rebooting) */
  connect(): Promise<FlashLink>;
  onStep?(step: FlashStep): void;
  onProgress?(progress: FlashProgress): void;
  /** what the device runs now, before anything is sent: a refusal reason (downgrade, ...) or undefined */
  preflight?(
    running: ImageSlotState | undefined,
    client: SmpClient,
  ): Promise<string | undefined> | string | undefined;
  /** beyond the SMP echo: the engine's own view of the device (reports in, readings sane); a failure reason or undefined */
  health?(link: FlashLink): Promise<string | undefined>;
  signal?: AbortSignal;
  /** how long the device may take to answer again after a reset (default 15 s) */
  reconnectTimeoutMs?: number;
  /** pause between reconnect attempts (default 200 ms) */
  retryMs?: number;
}

export interface FlashResult {
  outcome: FlashOutcome;
  message: string;
  /** the version the device runs at the end, when it could be read */
  runningVersion: string | null;
  /** the device's first upload answer in this run: one chunk for a fresh upload, where it had stopped for a resumed one; 0 without upload */
  firstOffset: number;
}

class FlashFailure extends Error {}

const sameHash = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
const active = (state: ImageSlotState[]) => state.find((s) => s.active && s.image === 0);
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runFlashJob(image: FlashImage, deps: FlashJobDeps): Promise<FlashResult> {
  const reconnectTimeoutMs = deps.reconnectTimeoutMs ?? 15_000;
  const retryMs = deps.retryMs ?? 200;
  const step = (s: FlashStep) => deps.onStep?.(s);
  const aborted = () => deps.signal?.aborted === true;
  let link: FlashLink | undefined;
  let previous: { version: string; hash: Uint8Array } | undefined;
  let marked = false;
  let firstOffset = 0;
  const result = (outcome: FlashOutcome, message: string, runningVersion: string | null): FlashResult => ({
    outcome,
    message,
    runningVersion,
    firstOffset,
  });

  const closeLink = async () => {
    const l = link;
    link = undefined;
    await l?.close().catch(() => {});
  };

  /** After a reset the port may vanish and come back: reopen and echo until it answers, within the bound. */
  const reconnect = async (): Promise<SmpClient> => {
    step('reconnecting');
    await closeLink();
    const deadline = Date.now() + reconnectTimeoutMs;
    let last = 'no answer';
    await delay(Math.min(retryMs, 100));
    while (Date.now() < deadline) {
      try {
        link ??= await deps.connect();
        await link.client.echo('fieldline');
        return link.client;
      } catch (e) {
        last = (e as Error).message;
        if (!(e instanceof SmpTimeoutError)) await closeLink();
        await delay(retryMs);
      }
    }
    await closeLink();
    throw new FlashFailure(
      `the device did not answer within ${Math.round(reconnectTimeoutMs / 1000)} s after its reset (${last})`,
    );
  };

  const reset = async (client: SmpClient) => {
    step('resetting');
    await client.reset();
  };

  /** Resets until the old image runs again (a pending test image boots once, then MCUboot reverts). */
  const revert = async (why: string): Promise<FlashResult> => {
    step('reverting');
    try {
      let client = link?.client ?? (await reconnect());
      for (let attempt = 0; attempt < 3; attempt++) {
        const running = active(await client.imageState());
        if (running && previous && sameHash(running.hash, previous.hash) && running.confirmed) {
          return result('reverted', `${why}; the device reverted to ${running.version}`, running.version);
        }
        await reset(client);
        client = await reconnect();
      }
      const running = active(await client.imageState());
      return result(
        'failed',
        `${why}; the device still runs ${running?.version ?? 'an unknown image'} after resets: check it on the bench`,
        running?.version ?? null,
      );
    } catch (e) {
      return result(
        'failed',
        `${why}; reverting failed too (${(e as Error).message}). MCUboot reverts to ${previous?.version ?? 'the old image'} on the next power cycle unless the new image is confirmed`,
        null,
      );
    }
  };

  try {
    step('checking');
    link = await deps.connect();
    let client = link.client;
    // a line cut short by a cable pull can sit in the device's buffer and garble the first request
    const state = await client.imageState().catch((e: Error) => {
      if (e instanceof SmpTimeoutError) return client.imageState();
      throw e;
    });
    const running = active(state);
    if (running) previous = { version: running.version, hash: running.hash };
    if (running && sameHash(running.hash, image.imageHash)) {
      if (running.confirmed)
        return result(
          'already-installed',
          `${image.version} is already installed and confirmed`,
          running.version,
        );
      // a previous run got as far as booting the new image: finish it (verify, health, confirm)
      previous = state.find((s) => s.slot !== running.slot && s.image === 0);
      marked = true;
    } else {
      const refusal = await deps.preflight?.(running, client);
      if (refusal) return result('failed', refusal, running?.version ?? null);
      const uploaded = state.find((s) => s.image === 0 && !s.active && sameHash(s.hash, image.imageHash));
      if (!uploaded) {
        step('uploading');
        let first = true;
        try {
          await client.upload(image.bytes, {
            signal: deps.signal,
            onProgress: (p) => {
              if (first) firstOffset = p.offset;
              first = false;
              const secondsLeft = p.bytesPerSecond > 0 ? (p.total - p.offset) / p.bytesPerSecond : null;
              deps.onProgress?.({ ...p, secondsLeft });
            },
          });
        } catch (e) {
          if (aborted())
            return result(
              'cancelled',
              'cancelled during the upload; Resume continues it',
              running?.version ?? null,
            );
          if (e instanceof SmpTimeoutError)
            throw new FlashFailure(
              `the device stopped answering during the upload (${(e as Error).message}); check the cable and Resume to continue from where it stopped`,
            );
          throw e;
        }
      } else {
        deps.onProgress?.({
          offset: image.bytes.length,
          total: image.bytes.length,
          bytesPerSecond: 0,
          secondsLeft: 0,
        });
      }
      if (aborted())
        return result(
          'cancelled',
          'cancelled before the image was marked; nothing changed on the device',
          running?.version ?? null,
        );
      step('marking');
      await client.testImage(image.imageHash);
      marked = true;
      await reset(client);
      client = await reconnect();
    }

    if (aborted()) return await revert('cancelled');
    step('verifying');
    const booted = active(await client.imageState());
    if (!booted || !sameHash(booted.hash, image.imageHash)) {
      return result(
        'reverted',
        `the new image ${image.version} did not boot; the device reverted to ${booted?.version ?? 'its old image'}`,
        booted?.version ?? null,
      );
    }
    if (booted.confirmed)
      return result('installed', `${image.version} is running and confirmed`, booted.version);

    step('health');
    const echoed = await client.echo('fieldline-health').catch((e: Error) => e);
    const unhealthy =
      echoed instanceof Error
        ? `it does not answer (${echoed.message})`
        : echoed !== 'fieldline-health'
          ? 'it answers echo with something else'
          : link && (await deps.health?.(link));
    if (unhealthy)
      return await revert(`health check failed: ${unhealthy}; ${image.version} booted but was not confirmed`);
    if (aborted()) return await revert('cancelled');

    step('confirming');
    const after = active(await client.confirm());
    if (!after?.confirmed || !sameHash(after.hash, image.imageHash))
      return await revert(`the device did not confirm ${image.version}`);
    return result('installed', `${image.version} is installed and confirmed`, after.version);
  } catch (e) {
    const why = e instanceof FlashFailure ? e.message : `flashing failed: ${(e as Error).message}`;
    if (marked && link) return await revert(why);
    if (marked)
      return result(
        'failed',
        `${why}. MCUboot reverts to ${previous?.version ?? 'the old image'} on the next reset unless the new image is confirmed`,
        null,
      );
    return result('failed', why, previous?.version ?? null);
  } finally {
    await closeLink();
  }
}
