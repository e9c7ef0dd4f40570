/**
 * How a simulated fleet device answers an update job, picked from failure rates by a hash
 * of the device id and a seed: the same fleet fails the same way in every run.
 */
import { createHash } from 'node:crypto';

export type FleetBehaviour =
  /** downloads, installs, reboots, confirms, sends a heartbeat on the new version */
  | 'good'
  /** the install step fails; the device keeps its old image */
  | 'fail-install'
  /** refuses the job outright */
  | 'reject'
  /** says the image is not for its hardware */
  | 'incompatible'
  /** reboots into the new image and is never heard from again */
  | 'never-back'
  /** boots the new image, fails its self-test, MCUboot reverts: reports the failure on the old version */
  | 'fail-health'
  /** installs, confirms and sends its heartbeat like a good one, but its readings on the new image are insane */
  | 'insane-readings';

export interface FailureRates {
  failInstall?: number;
  reject?: number;
  incompatible?: number;
  neverBack?: number;
  failHealth?: number;
  insaneReadings?: number;
}

export function behaviourFor(deviceId: string, rates: FailureRates, seed = 'fleet'): FleetBehaviour {
  const h = createHash('sha256').update(`${seed}\n${deviceId}`).digest();
  const u = h.readUInt32BE(0) / 2 ** 32;
  let edge = 0;
  const pick: [keyof FailureRates, FleetBehaviour][] = [
    ['failInstall', 'fail-install'],
    ['reject', 'reject'],
    ['incompatible', 'incompatible'],
    ['neverBack', 'never-back'],
    ['failHealth', 'fail-health'],
    ['insaneReadings', 'insane-readings'],
  ];
  for (const [rate, behaviour] of pick) {
    edge += rates[rate] ?? 0;
    if (u < edge) return behaviour;
  }
  return 'good';
}
