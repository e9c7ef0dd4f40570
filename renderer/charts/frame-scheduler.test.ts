import { expect, test } from 'vitest';
import { createFrameScheduler } from './frame-scheduler';

function fakeFrames() {
  const queue = new Map<number, () => void>();
  let next = 1;
  return {
    request: (cb: () => void) => {
      queue.set(next, cb);
      return next++;
    },
    cancel: (handle: number) => {
      queue.delete(handle);
    },
    runFrame() {
      const callbacks = [...queue.values()];
      queue.clear();
      for (const cb of callbacks) cb();
    },
    get pending() {
      return queue.size;
    },
  };
}

test('many requests within one frame give one draw', () => {
  const frames = fakeFrames();
  let draws = 0;
  const scheduler = createFrameScheduler(() => draws++, frames.request, frames.cancel);
  for (let i = 0; i < 10; i++) scheduler.request();
  expect(frames.pending).toBe(1);
  frames.runFrame();
  expect(draws).toBe(1);
  scheduler.request();
  frames.runFrame();
  expect(draws).toBe(2);
  frames.runFrame();
  expect(draws).toBe(2);
});

test('cancel drops the pending draw', () => {
  const frames = fakeFrames();
  let draws = 0;
  const scheduler = createFrameScheduler(() => draws++, frames.request, frames.cancel);
  scheduler.request();
  scheduler.cancel();
  frames.runFrame();
  expect(draws).toBe(0);
  scheduler.request();
  frames.runFrame();
  expect(draws).toBe(1);
});
