import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { debounce } from './debounce';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

test('typing sends one search with the last text after the pause', () => {
  const sent: string[] = [];
  const search = debounce((q: string) => sent.push(q), 200);
  for (const text of ['p', 'pu', 'pum', 'pump']) {
    search.call(text);
    vi.advanceTimersByTime(150);
  }
  expect(sent).toEqual([]);
  expect(search.pending).toBe(true);
  vi.advanceTimersByTime(50);
  expect(sent).toEqual(['pump']);
  expect(search.pending).toBe(false);
  vi.advanceTimersByTime(1000);
  expect(sent).toEqual(['pump']);
});

test('flush sends at once, cancel drops what is pending', () => {
  const sent: string[] = [];
  const search = debounce((q: string) => sent.push(q), 200);
  search.call('a');
  search.flush();
  expect(sent).toEqual(['a']);
  search.flush();
  expect(sent).toEqual(['a']);
  search.call('b');
  search.cancel();
  vi.advanceTimersByTime(500);
  expect(sent).toEqual(['a']);
});
