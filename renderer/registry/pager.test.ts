import { expect, test } from 'vitest';
import { type PageAnswer, Pager } from './pager';

interface Call {
  query: string;
  offset: number;
  limit: number;
  resolve(answer: PageAnswer<string>): void;
  reject(error: Error): void;
}

function setup(maxPages = 10) {
  const calls: Call[] = [];
  let changes = 0;
  const pager = new Pager<string, string>({
    pageSize: 10,
    maxPages,
    fetch: (query, offset, limit) =>
      new Promise((resolve, reject) => calls.push({ query, offset, limit, resolve, reject })),
    onChange: () => changes++,
  });
  const rows = (query: string, offset: number, n: number) =>
    Array.from({ length: n }, (_, i) => `${query}#${offset + i}`);
  const answer = (call: Call, total = 95) =>
    call.resolve({ total, rows: rows(call.query, call.offset, Math.min(call.limit, total - call.offset)) });
  return { pager, calls, answer, changes: () => changes };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

test('a new query fetches the first page; scrolling fetches only the pages in view, once', async () => {
  const { pager, calls, answer } = setup();
  pager.setQuery('q');
  expect(calls.map((c) => c.offset)).toEqual([0]);
  answer(calls[0]!);
  await tick();
  expect(pager.total).toBe(95);
  expect(pager.rowAt(3)).toBe('q#3');
  expect(pager.rowAt(13)).toBeUndefined();
  pager.ensure(5, 25);
  pager.ensure(5, 25);
  expect(calls.map((c) => c.offset)).toEqual([0, 10, 20]);
  pager.ensure(90, 120);
  // page 10 and 11 are past the total: never asked for
  expect(calls.map((c) => c.offset)).toEqual([0, 10, 20, 90]);
});

test('an answer for an older query is dropped', async () => {
  const { pager, calls, answer } = setup();
  pager.setQuery('pu');
  pager.setQuery('pump');
  answer(calls[1]!, 3);
  answer(calls[0]!, 95);
  await tick();
  expect(pager.total).toBe(3);
  expect(pager.rowAt(0)).toBe('pump#0');
});

test('a refresh keeps showing the old rows until the new ones arrive', async () => {
  const { pager, calls, answer } = setup();
  pager.setQuery('q');
  answer(calls[0]!);
  await tick();
  pager.refresh();
  expect(calls).toHaveLength(2);
  expect(pager.rowAt(0)).toBe('q#0');
  calls[1]!.resolve({ total: 95, rows: ['edited', ...Array(9).fill('x')] });
  await tick();
  expect(pager.rowAt(0)).toBe('edited');
});

test('a failed page is not retried in a loop, only when asked', async () => {
  const { pager, calls, answer } = setup();
  pager.setQuery('q');
  calls[0]!.reject(new Error('engine busy'));
  await tick();
  expect(pager.error).toBe('engine busy');
  pager.ensure(0, 10);
  expect(calls).toHaveLength(1);
  pager.retry();
  expect(calls).toHaveLength(2);
  answer(calls[1]!);
  await tick();
  expect(pager.error).toBeNull();
  expect(pager.rowAt(0)).toBe('q#0');
});

test('pages far from the window are let go beyond the bound', async () => {
  const { pager, calls, answer } = setup(2);
  pager.setQuery('q');
  answer(calls[0]!, 1000);
  await tick();
  for (const first of [100, 200, 300]) {
    pager.ensure(first, first + 10);
    answer(calls[calls.length - 1]!, 1000);
    await tick();
  }
  expect(pager.rowAt(305)).toBe('q#305');
  expect(pager.rowAt(5)).toBeUndefined();
  expect(pager.indexWhere((r) => r === 'q#305')).toBe(305);
});
