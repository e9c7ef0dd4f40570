/**
 * A device whose Improv answers cannot be read, but whose configuration protocol works,
 * is identified; the network step then names the garbled Improv answer instead of
 * telling the technician the device "does not speak Improv".
 */
import { describe, expect, test } from 'vitest';
import type { CommissioningSession } from '../../../common/commissioning-contract';
import { ImprovError, timeoutError } from '../provisioning/improv-protocol';
import type { DeviceChannelPort } from './ports';
import { identify, requireImprov, type StepContext } from './steps';

function contextWith(deviceInfo: () => Promise<never>): StepContext {
  const channel = {
    improv: { deviceInfo, currentState: () => Promise.resolve('authorized') },
    config: {
      info: () =>
        Promise.resolve({
          firmwareVersion: '1.4.0',
          hardwareVersion: 'rev C',
          model: 'FL-ENV-2',
          serialNumber: 'SN-1',
          mac: 'aa:bb:cc:dd:ee:ff',
          deviceId: null,
        }),
    },
  } as unknown as DeviceChannelPort;
  return {
    session: { id: 's1' } as CommissioningSession,
    channel: () => Promise.resolve(channel),
    progress: () => {},
    aborted: () => false,
    deps: {} as StepContext['deps'],
  };
}

describe('Improv answered but unreadable, configuration protocol fine', () => {
  test('identify records why Improv is unusable; network names it, without "does not speak Improv"', async () => {
    const ctx = contextWith(() =>
      Promise.reject(
        new ImprovError(
          'bad-response',
          'malformed Improv RPC result: RPC data length 38 does not match 39 bytes',
        ),
      ),
    );
    await identify(ctx);
    expect(ctx.session.identity?.improv).toBe(false);
    expect(ctx.session.identity?.improvProblem).toMatch(/RPC data length 38/);
    expect(() => requireImprov(ctx.session.identity)).toThrow(/answered Improv .* could not be used/);
    expect(() => requireImprov(ctx.session.identity)).not.toThrow(/does not speak Improv/);
  });

  test('a device that never answered Improv still "does not speak Improv"', async () => {
    const ctx = contextWith(() => Promise.reject(timeoutError('the Improv device info request', 3000)));
    await identify(ctx);
    expect(ctx.session.identity?.improvProblem).toBeNull();
    expect(() => requireImprov(ctx.session.identity)).toThrow(/does not speak Improv/);
  });
});
