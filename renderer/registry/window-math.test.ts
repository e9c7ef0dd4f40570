import { expect, test } from 'vitest';
import { moveSelection, pagesCovering, rowWindow, scrollToReveal } from './window-math';

const base = { rowHeight: 28, viewportHeight: 280, overscan: 5 };

test('only the rows in view plus the overscan are rendered, spacers make up the rest', () => {
  const w = rowWindow({ ...base, scrollTop: 0, total: 10_000 });
  expect(w).toEqual({ first: 0, end: 15, padTop: 0, padBottom: (10_000 - 15) * 28, totalHeight: 280_000 });
  const mid = rowWindow({ ...base, scrollTop: 28 * 5000 + 14, total: 10_000 });
  expect(mid.first).toBe(4995);
  expect(mid.end).toBe(5016);
  expect(mid.padTop + (mid.end - mid.first) * 28 + mid.padBottom).toBe(mid.totalHeight);
});

test('the window stays inside the list at both ends and when the list shrinks', () => {
  const end = rowWindow({ ...base, scrollTop: 10_000 * 28, total: 10_000 });
  expect(end.end).toBe(10_000);
  expect(end.padBottom).toBe(0);
  expect(end.first).toBe(10_000 - 10 - 5);
  const shrunk = rowWindow({ ...base, scrollTop: 50_000, total: 3 });
  expect(shrunk).toMatchObject({ first: 0, end: 3, padTop: 0, padBottom: 0 });
  expect(rowWindow({ ...base, scrollTop: 100, total: 0 })).toEqual({
    first: 0,
    end: 0,
    padTop: 0,
    padBottom: 0,
    totalHeight: 0,
  });
  expect(rowWindow({ ...base, scrollTop: -50, total: 4 })).toMatchObject({ first: 0, end: 4 });
});

test('the pages under a window', () => {
  expect(pagesCovering(0, 15, 100)).toEqual([0]);
  expect(pagesCovering(95, 121, 100)).toEqual([0, 1]);
  expect(pagesCovering(200, 200, 100)).toEqual([]);
  expect(pagesCovering(199, 301, 100)).toEqual([1, 2, 3]);
});

test('revealing a row scrolls as little as possible', () => {
  expect(scrollToReveal(3, 0, 280, 28)).toBe(0);
  expect(scrollToReveal(10, 0, 280, 28)).toBe(28);
  expect(scrollToReveal(2, 280, 280, 28)).toBe(56);
  expect(scrollToReveal(0, 0, 10, 28)).toBe(0);
});

test('keyboard movement clamps to the list', () => {
  expect(moveSelection('ArrowDown', null, 5, 10)).toBe(0);
  expect(moveSelection('ArrowUp', null, 5, 10)).toBe(0);
  expect(moveSelection('ArrowDown', 4, 5, 10)).toBe(4);
  expect(moveSelection('PageDown', 1, 100, 10)).toBe(11);
  expect(moveSelection('PageUp', 3, 100, 10)).toBe(0);
  expect(moveSelection('End', 3, 100, 10)).toBe(99);
  expect(moveSelection('Home', 3, 100, 10)).toBe(0);
  expect(moveSelection('x', 3, 100, 10)).toBeNull();
  expect(moveSelection('ArrowDown', null, 0, 10)).toBeNull();
});
