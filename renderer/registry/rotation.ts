/**
 * Certificate rotation from the registry, the parts that need no screen: which devices
 * can have their certificate rotated, which link to offer first (the one the device was
 * commissioned over), and what a failed rotation means for the device, in words a
 * technician can act on. The engine's `commissioning.rotateCredentials` does the work and
 * revokes the old certificate only after the device reported the new one's fingerprint.
 */
import type { CommissioningSession, DeviceLink } from '../../common/commissioning-contract';
import type { RegistryDevice } from '../../common/registry-contract';

export type RotationEligibility = { ok: true } | { ok: false; reason: string };

export function rotationEligibility(
  device: Pick<RegistryDevice, 'lifecycle' | 'credential'>,
): RotationEligibility {
  if (device.credential === null)
    return { ok: false, reason: 'no credential issued yet: commission it first' };
  if (device.credential.kind !== 'x509')
    return { ok: false, reason: 'it uses a pre-shared key, not a certificate' };
  if (device.lifecycle !== 'commissioned' && device.lifecycle !== 'active')
    return {
      ok: false,
      reason: `only commissioned or active devices get new certificates (this one is ${device.lifecycle})`,
    };
  return { ok: true };
}

/** The link of the device's most recent finished commissioning, the best first guess. */
export function commissionedLinkOf(
  sessions: readonly Pick<CommissioningSession, 'status' | 'details' | 'link' | 'updatedAt'>[],
  deviceId: string,
): DeviceLink | null {
  let best: (typeof sessions)[number] | null = null;
  for (const s of sessions) {
    if (s.status !== 'done' || s.link === null || s.details?.deviceId !== deviceId) continue;
    if (best === null || s.updatedAt > best.updatedAt) best = s;
  }
  return best?.link ?? null;
}

export type RotationFailureKind = 'wrong-device' | 'not-taken' | 'link' | 'refused' | 'unknown';

export interface RotationFailure {
  kind: RotationFailureKind;
  title: string;
  /** the engine's own words */
  detail: string;
  /** what became of the old certificate: still valid, or not known (check before retrying) */
  oldCertificate: 'still valid' | 'unknown';
  /** what to do next */
  advice: string;
}

/**
 * What a rejected rotation means. The engine's messages are matched for the cases it
 * names (see commissioning-handlers.ts); anything else, or no answer in time, leaves the
 * outcome open, because the engine may have got further than the error says.
 */
export function explainRotationError(error: unknown): RotationFailure {
  const message = error instanceof Error ? error.message : String(error);
  const code =
    typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string'
      ? (error as { code: string }).code
      : null;
  if (/the device on this link is serial/i.test(message))
    return {
      kind: 'wrong-device',
      title: 'Another device is on this link',
      detail: message,
      oldCertificate: 'still valid',
      advice: 'Nothing was issued. Pick the port or peripheral this device is on and try again.',
    };
  if (/did not take the new certificate|stored a different certificate/i.test(message))
    return {
      kind: 'not-taken',
      title: 'The device did not take the new certificate',
      detail: message,
      oldCertificate: 'still valid',
      advice:
        'The new certificate was revoked at once; the device keeps reporting with its old one. Check the device (power, firmware) and try again.',
    };
  if (/cannot open the link/i.test(message))
    return {
      kind: 'link',
      title: 'The link could not be opened',
      detail: message,
      oldCertificate: 'still valid',
      advice:
        'Nothing was issued. Check the cable or that the device is powered and in range, that no other program holds the port, then try again.',
    };
  if (code === 'NOT_FOUND' || /only commissioned devices/i.test(message))
    return {
      kind: 'refused',
      title: 'Rotation refused',
      detail: message,
      oldCertificate: 'still valid',
      advice: 'Nothing was issued.',
    };
  return {
    kind: 'unknown',
    title: code === 'TIMEOUT' || code === 'CLOSED' ? 'No answer from the engine in time' : 'Rotation failed',
    detail: message,
    oldCertificate: 'unknown',
    advice:
      'The engine may have got part of the way. Check the credential shown here and the Credentials panel (which certificates are valid) before trying again.',
  };
}
