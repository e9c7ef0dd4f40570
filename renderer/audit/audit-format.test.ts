import { expect, test } from 'vitest';
import { auditFilterParams, changeLines } from './audit-format';

test('only the keys that changed are listed', () => {
  expect(
    changeLines({ name: 'Pump 7', site: 'A', tags: ['n'] }, { name: 'Pump 8', site: 'A', tags: ['n', 'e'] }),
  ).toEqual([
    { key: 'name', before: '"Pump 7"', after: '"Pump 8"' },
    { key: 'tags', before: '["n"]', after: '["n","e"]' },
  ]);
});

test('a created or deleted record lists its keys against "—"', () => {
  expect(changeLines(null, { lifecycle: 'discovered' })).toEqual([
    { key: 'lifecycle', before: '—', after: '"discovered"' },
  ]);
  expect(changeLines({ a: 1 }, undefined)).toEqual([{ key: 'a', before: '1', after: '—' }]);
});

test('plain values and unchanged entries', () => {
  expect(changeLines('active', 'decommissioned')).toEqual([
    { key: null, before: '"active"', after: '"decommissioned"' },
  ]);
  expect(changeLines({ a: 1 }, { a: 1 })).toEqual([]);
  expect(
    changeLines(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i])), {}),
  ).toHaveLength(6);
});

test('blank filters are left out', () => {
  expect(auditFilterParams({ subject: ' pump-07 ', actor: '', action: '  ' })).toEqual({
    subject: 'pump-07',
  });
});
