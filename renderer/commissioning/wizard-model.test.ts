import { expect, test } from 'vitest';
import { COMMISSIONING_STEPS } from '../../common/commissioning-contract';
import { sessionAt } from './session-fixture';
import {
  canGoBack,
  canGoNext,
  canVisit,
  describeRunError,
  followSession,
  newerSession,
  peripheralsUsed,
  stepMark,
  suggestNextPeripheral,
  verifyCountdown,
} from './wizard-model';

test('steps are marked done, running, failed, current or pending', () => {
  const s = sessionAt('network', 'failed');
  expect(COMMISSIONING_STEPS.map((step) => stepMark(s, step))).toEqual([
    'done',
    'done',
    'done',
    'done',
    'failed',
    'pending',
    'pending',
  ]);
  expect(stepMark(sessionAt('identify'), 'identify')).toBe('current');
});

test('back goes to done steps, next only over a finished step, never past the session', () => {
  const s = sessionAt('credentials');
  expect(canVisit(s, 'connect')).toBe(true);
  expect(canVisit(s, 'credentials')).toBe(true);
  expect(canVisit(s, 'network')).toBe(false);
  expect(canGoBack(s, 'connect')).toBe(false);
  expect(canGoBack(s, 'identify')).toBe(true);
  expect(canGoNext(s, 'identify')).toBe(true);
  expect(canGoNext(s, 'details')).toBe(true);
  expect(canGoNext(s, 'credentials')).toBe(false);
  const done = sessionAt('record', 'done', { status: 'done' });
  expect(canGoNext(done, 'record')).toBe(false);
  expect(canVisit(done, 'verify')).toBe(true);
});

test('finishing the viewed step moves on; progress updates leave the view alone', () => {
  const running = sessionAt('credentials', 'running');
  const finished = sessionAt('network');
  expect(followSession('credentials', running, finished)).toBe('network');
  const progress = { ...running, progress: { message: 'generating key', fraction: 0.5 } };
  expect(followSession('credentials', running, progress)).toBe('credentials');
  // reading an earlier step while a later one runs
  expect(followSession('identify', running, progress)).toBe('identify');
  expect(followSession(null, null, finished)).toBe('network');
});

test('re-running an earlier step pulls the view back from steps that are pending again', () => {
  const before = sessionAt('verify');
  const rerun = sessionAt('details', 'running');
  expect(followSession('verify', before, rerun)).toBe('details');
  expect(followSession('connect', before, { ...before, id: 'other' })).toBe('verify');
});

test('a slow get does not undo a newer stream update', () => {
  const a = sessionAt('network', 'pending', { updatedAt: 10 });
  const b = sessionAt('verify', 'pending', { updatedAt: 20 });
  expect(newerSession(b, a)).toBe(b);
  expect(newerSession(a, b)).toBe(b);
  expect(newerSession(undefined, a)).toBe(a);
});

test('the verify countdown', () => {
  expect(verifyCountdown(null, 60, 0)).toBeNull();
  expect(verifyCountdown(1000, 60, 1000)).toEqual({ remainingS: 60, fraction: 0 });
  expect(verifyCountdown(1000, 60, 31_500)).toEqual({ remainingS: 30, fraction: 30.5 / 60 });
  expect(verifyCountdown(1000, 60, 500_000)).toEqual({ remainingS: 0, fraction: 1 });
});

test('a long step outliving its request is waiting, not failed', () => {
  expect(describeRunError({ code: 'TIMEOUT', message: 'x' }).waiting).toBe(true);
  expect(describeRunError({ code: 'CLOSED', message: 'x' })).toMatchObject({ waiting: false });
  expect(describeRunError({ code: 'STEP_FAILED', message: 'the port is busy' })).toEqual({
    text: 'the port is busy',
    waiting: false,
  });
});

test("a batch's next BLE device: the strongest connectable peripheral the batch has not used", () => {
  const seen = [
    { id: 'a', rssi: -50, connectable: true },
    { id: 'b', rssi: -70, connectable: true },
    { id: 'c', rssi: -40, connectable: false },
    { id: 'd', rssi: -60, connectable: true },
  ];
  const used = peripheralsUsed([
    sessionAt('record', 'done', { link: { kind: 'ble', connectorId: 'r', peripheralId: 'a' } }),
    sessionAt('record', 'done', { link: { kind: 'serial', path: '/dev/ttyUSB0', baudRate: 115200 } }),
  ]);
  expect([...used]).toEqual(['a']);
  expect(suggestNextPeripheral(seen, used)).toBe('d');
  expect(suggestNextPeripheral(seen, new Set(['a', 'b', 'd']))).toBe('');
  expect(suggestNextPeripheral([], new Set())).toBe('');
});
