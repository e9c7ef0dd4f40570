import { expect, test } from 'vitest';
import { RegistryQuerySchema } from '../../common/registry-contract';
import { DEFAULT_FILTERS, queryFor, toggleSort } from './registry';

test('filters become registry.list params the contract accepts', () => {
  expect(queryFor(DEFAULT_FILTERS)).toEqual({ sort: 'name', descending: false });
  const q = queryFor({
    ...DEFAULT_FILTERS,
    search: '  pump ',
    site: 'Plant A',
    lifecycle: 'active',
    tag: 'north',
  });
  expect(q).toEqual({
    search: 'pump',
    site: 'Plant A',
    lifecycle: 'active',
    tag: 'north',
    sort: 'name',
    descending: false,
  });
  expect(RegistryQuerySchema.safeParse({ ...q, offset: 0, limit: 100 }).success).toBe(true);
});

test('a header click sorts by the column, a second click flips it', () => {
  const bySite = toggleSort(DEFAULT_FILTERS, 'site');
  expect(bySite).toMatchObject({ sort: 'site', descending: false });
  expect(toggleSort(bySite, 'site')).toMatchObject({ sort: 'site', descending: true });
  expect(toggleSort({ ...bySite, descending: true }, 'name')).toMatchObject({
    sort: 'name',
    descending: false,
  });
});
