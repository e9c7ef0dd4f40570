/**
 * The health check of a flash job once the new image booted, unconfirmed: the device
 * reports in and its readings are sane (health-judge.ts), within a window. The readings go
 * through the engine's ingest like any others (validated, stored, in the charts): a serial
 * device's connector is paused while its port is flashed, so what the new firmware prints
 * on the UART beside SMP is decoded here in the connector's wire format; a Bluetooth
 * device's connector keeps its link, so its notifications arrive on their own.
 */
import type { Reading } from '../../../common/reading';
import { createTelemetryStream, type WireFormat } from '../decoders/telemetry-stream';
import type { FlashLink } from './flash-job';
import type { FlashServiceDeps } from './flash-service';
import { DEFAULT_HEALTH_POLICY, type HealthPolicy, ReadingsJudge } from './health-judge';

export const DEFAULT_HEALTH_WINDOW_MS = 60_000;

export interface ReadingsHealthCheck {
  deviceId: string;
  /** the connector the device's readings are attributed to */
  source: string;
  link: FlashLink;
  /** the serial connector's wire format, to decode what the device prints while its port is held */
  serialFormat?: WireFormat;
  /** the accepted readings of each ingest batch; returns the unsubscribe */
  watch(listener: (accepted: readonly Reading[]) => void): () => void;
  /** into the engine's ingest, as a connector delivers them */
  ingest(readings: Reading[]): void;
  windowMs?: number;
  policy?: HealthPolicy;
  /** good readings so far, for the progress line */
  onCount?(good: number): void;
  signal?: AbortSignal;
  now?: () => number;
}

/** Resolves with a failure reason, or undefined when the device is healthy. */
export function checkReadingsHealth(check: ReadingsHealthCheck): Promise<string | undefined> {
  const windowMs = check.windowMs ?? DEFAULT_HEALTH_WINDOW_MS;
  const now = check.now ?? Date.now;
  const since = now();
  const judge = new ReadingsJudge(check.policy ?? DEFAULT_HEALTH_POLICY);
  const within = `${Math.round(windowMs / 100) / 10} s`;
  check.onCount?.(0);
  return new Promise((resolve) => {
    const cleanups: (() => void)[] = [];
    let done = false;
    const finish = (reason: string | undefined) => {
      if (done) return;
      done = true;
      for (const c of cleanups) c();
      resolve(reason);
    };
    cleanups.push(
      check.watch((accepted) => {
        for (const r of accepted) {
          // a batch still in flight from before the reset is the old firmware's
          if (r.deviceId !== check.deviceId || (r.arrivedAt ?? since) < since) continue;
          const before = judge.goodReadings;
          const verdict = judge.add(r);
          if (verdict.state === 'unhealthy') return finish(verdict.reason);
          if (judge.goodReadings !== before) check.onCount?.(judge.goodReadings);
          if (verdict.state === 'healthy') return finish(undefined);
        }
      }),
    );
    if (check.serialFormat && check.link.onDeviceOutput) {
      const stream = createTelemetryStream(check.serialFormat, {
        source: check.source,
        defaultDeviceId: check.deviceId,
      });
      // SMP frames and boot logs on the same UART are not telemetry: the stream counts them as errors, dropped here
      cleanups.push(
        check.link.onDeviceOutput((bytes) => {
          const { readings } = stream.push(bytes, now());
          if (readings.length > 0) check.ingest(readings);
        }),
      );
    }
    const timer = setTimeout(() => finish(judge.expired(within)), windowMs);
    cleanups.push(() => clearTimeout(timer));
    if (check.signal) {
      // the job sees the abort itself and reverts
      const onAbort = () => finish(undefined);
      if (check.signal.aborted) return onAbort();
      check.signal.addEventListener('abort', onAbort, { once: true });
      cleanups.push(() => check.signal?.removeEventListener('abort', onAbort));
    }
  });
}

export interface FlashHealthDeps {
  watch: ReadingsHealthCheck['watch'];
  ingest: ReadingsHealthCheck['ingest'];
  /** the wire format of a serial connector, undefined for any other */
  serialFormatOf(connectorId: string): WireFormat | undefined;
  windowMs?: number;
  policy?: HealthPolicy;
}

/** The flash service's health check: readings of a registered device; a bare port or peripheral, not yet a device of the fleet, has none to judge (SMP echo only). */
export function flashReadingsHealth(deps: FlashHealthDeps): NonNullable<FlashServiceDeps['health']> {
  return ({ target, link, onCount, signal }) => {
    if (!target.deviceId) return Promise.resolve(undefined);
    const serialFormat =
      target.link === 'serial' && target.connectorId ? deps.serialFormatOf(target.connectorId) : undefined;
    return checkReadingsHealth({
      deviceId: target.deviceId,
      source: target.connectorId ?? target.path,
      link,
      ...(serialFormat ? { serialFormat } : {}),
      watch: deps.watch,
      ingest: deps.ingest,
      ...(deps.windowMs === undefined ? {} : { windowMs: deps.windowMs }),
      ...(deps.policy ? { policy: deps.policy } : {}),
      onCount,
      signal,
    });
  };
}
