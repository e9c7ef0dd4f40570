import { expect, test } from 'vitest';
import type { CommissioningSession } from '../../common/commissioning-contract';
import { RpcError } from '../../common/protocol';
import { commissionedLinkOf, explainRotationError, rotationEligibility } from './rotation';

const x509 = { kind: 'x509' as const, fingerprint: 'AB:CD', serial: '0A', expires: null };

test('only commissioned or active devices with a certificate can be rotated, each refusal says why', () => {
  expect(rotationEligibility({ lifecycle: 'active', credential: x509 })).toEqual({ ok: true });
  expect(rotationEligibility({ lifecycle: 'commissioned', credential: x509 })).toEqual({ ok: true });
  expect(rotationEligibility({ lifecycle: 'active', credential: null })).toMatchObject({
    ok: false,
    reason: expect.stringContaining('no credential'),
  });
  expect(rotationEligibility({ lifecycle: 'active', credential: { ...x509, kind: 'psk' } })).toMatchObject({
    ok: false,
    reason: expect.stringContaining('pre-shared key'),
  });
  for (const lifecycle of ['discovered', 'decommissioned'] as const)
    expect(rotationEligibility({ lifecycle, credential: x509 })).toMatchObject({
      ok: false,
      reason: expect.stringContaining(lifecycle),
    });
});

type S = Pick<CommissioningSession, 'status' | 'details' | 'link' | 'updatedAt'>;
const session = (deviceId: string, updatedAt: number, patch: Partial<S> = {}): S => ({
  status: 'done',
  details: { deviceId, name: deviceId, site: '', profile: 'p', tags: [] },
  link: { kind: 'ble', connectorId: 'radio', peripheralId: `p-${updatedAt}` },
  updatedAt,
  ...patch,
});

test("the link offered first is the one of the device's latest finished commissioning", () => {
  const sessions = [
    session('env-1', 100),
    session('env-1', 300),
    session('env-2', 400),
    // not finished, or no link: not a link the device is known to answer on
    session('env-1', 500, { status: 'abandoned' }),
    session('env-1', 600, { status: 'in-progress' }),
    session('env-1', 700, { link: null }),
  ];
  expect(commissionedLinkOf(sessions, 'env-1')).toEqual({
    kind: 'ble',
    connectorId: 'radio',
    peripheralId: 'p-300',
  });
  expect(commissionedLinkOf(sessions, 'env-3')).toBeNull();
  expect(commissionedLinkOf([session('env-1', 1, { details: null })], 'env-1')).toBeNull();
});

test('a failed rotation is told apart by what it means for the old certificate', () => {
  const wrong = explainRotationError(
    new RpcError(
      'INVALID_PARAMS',
      'the device on this link is serial FL-DEMO-0002, not env-1 (serial FL-DEMO-0001)',
    ),
  );
  expect(wrong).toMatchObject({ kind: 'wrong-device', oldCertificate: 'still valid' });
  expect(wrong.detail).toContain('FL-DEMO-0002');

  for (const message of [
    'the device did not take the new certificate: invalid-value key does not match',
    'the device stored a different certificate than it was sent; the old one stays valid',
  ])
    expect(explainRotationError(new RpcError('UNAVAILABLE', message))).toMatchObject({
      kind: 'not-taken',
      oldCertificate: 'still valid',
      advice: expect.stringContaining('revoked'),
    });

  expect(
    explainRotationError(new RpcError('UNAVAILABLE', 'cannot open the link to env-1: no such port /dev/x')),
  ).toMatchObject({ kind: 'link', oldCertificate: 'still valid' });
  expect(
    explainRotationError(
      new RpcError(
        'INVALID_PARAMS',
        'env-1 is decommissioned; only commissioned devices get new certificates',
      ),
    ),
  ).toMatchObject({ kind: 'refused' });
  expect(explainRotationError(new RpcError('NOT_FOUND', 'no device env-9'))).toMatchObject({
    kind: 'refused',
  });

  // no answer in time: the engine may have finished; nothing may be assumed
  const late = explainRotationError(
    new RpcError('TIMEOUT', 'commissioning.rotateCredentials: no answer in 15 s'),
  );
  expect(late).toMatchObject({ kind: 'unknown', oldCertificate: 'unknown' });
  expect(late.title).toMatch(/no answer/i);
  expect(explainRotationError(new Error('boom'))).toMatchObject({
    kind: 'unknown',
    title: 'Rotation failed',
    detail: 'boom',
  });
  expect(explainRotationError('plain text')).toMatchObject({ kind: 'unknown', detail: 'plain text' });
});
