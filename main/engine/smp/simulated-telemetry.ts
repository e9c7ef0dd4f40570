/**
 * The application side of a simulated MCUboot device on a serial port: like the demo's
 * serial devices it prints one JSON telemetry line per period on the same UART as SMP,
 * whenever the device is up (silent while it reboots or hangs).
 *
 * Failure mode "boots but fails health": once the device runs an image other than the one
 * it powered on with, the readings are insane or stop. Insane is what ArduinoJson prints
 * for a sensor driver that returns NaN: `"temperature":null` (serializeJson writes NaN as
 * null), which ingest flags as not a number. After MCUboot reverts, the old image's sane
 * readings come back.
 */
import type { SimulatedMcubootDevice } from './simulated-mcuboot-device';

export type NewImageReadings = 'sane' | 'insane' | 'silent';

export interface SimulatedTelemetryOptions {
  deviceId: string;
  everyMs: number;
  /** writes a line on the device's UART */
  print(line: string): Promise<void>;
  newImage?: NewImageReadings;
}

export interface SimulatedTelemetry {
  /** lines printed so far */
  readonly printed: number;
  stop(): void;
}

export function startSimulatedTelemetry(
  device: SimulatedMcubootDevice,
  options: SimulatedTelemetryOptions,
): SimulatedTelemetry {
  const initial = Buffer.from(device.activeHash);
  let seq = 0;
  const state = { printed: 0 };
  const timer = setInterval(() => {
    if (!device.isUp) return;
    const onNewImage = !initial.equals(Buffer.from(device.activeHash));
    const mode = onNewImage ? (options.newImage ?? 'sane') : 'sane';
    if (mode === 'silent') return;
    seq++;
    const temperature = mode === 'insane' ? null : Math.round((21.5 + (seq % 7) * 0.1) * 10) / 10;
    const line = JSON.stringify({
      dev: options.deviceId,
      seq,
      ts: Date.now(),
      temperature,
      humidity: 45 + (seq % 5) * 0.5,
    });
    state.printed++;
    void options.print(line).catch(() => {});
  }, options.everyMs);
  return {
    get printed() {
      return state.printed;
    },
    stop: () => clearInterval(timer),
  };
}
