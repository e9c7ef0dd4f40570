import { expect, test } from 'vitest';
import { chartKeyAction, type KeyLike } from './chart-keys';

const key = (k: string, extra: Partial<KeyLike> = {}): KeyLike => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  target: null,
  ...extra,
});

test('zoom, pan and live keys', () => {
  expect(
    ['+', '=', '-', '_', 'ArrowLeft', 'ArrowRight', 'l', 'L', 'x'].map((k) => chartKeyAction(key(k))),
  ).toEqual(['zoom-in', 'zoom-in', 'zoom-out', 'zoom-out', 'pan-back', 'pan-forward', 'live', 'live', null]);
});

test('browser shortcuts are left alone', () => {
  expect(chartKeyAction(key('+', { ctrlKey: true }))).toBeNull();
  expect(chartKeyAction(key('l', { metaKey: true }))).toBeNull();
  expect(chartKeyAction(key('ArrowLeft', { altKey: true }))).toBeNull();
});
