/**
 * The registry view's search, filters and sort, kept across navigation (coming back to
 * the registry finds it as it was), and the facets for the filter menus.
 */
import { create } from 'zustand';
import type { Lifecycle, REGISTRY_SORTS } from '../../common/registry-contract';

export type RegistrySort = (typeof REGISTRY_SORTS)[number];

export interface RegistryFilters {
  search: string;
  site: string;
  lifecycle: Lifecycle | '';
  tag: string;
  sort: RegistrySort;
  descending: boolean;
}

export interface RegistryStore {
  /** what the table shows: the search here is the debounced one */
  filters: RegistryFilters;
  /** the search box's text, ahead of filters.search while the user types */
  searchText: string;
  facets: { sites: string[]; tags: string[] } | null;
  scrollTop: number;
}

export const DEFAULT_FILTERS: RegistryFilters = {
  search: '',
  site: '',
  lifecycle: '',
  tag: '',
  sort: 'name',
  descending: false,
};

export const useRegistry = create<RegistryStore>(() => ({
  filters: DEFAULT_FILTERS,
  searchText: '',
  facets: null,
  scrollTop: 0,
}));

/** The registry.list params for these filters: empty filters are left out. */
export function queryFor(f: RegistryFilters) {
  return {
    ...(f.search.trim() ? { search: f.search.trim() } : {}),
    ...(f.site ? { site: f.site } : {}),
    ...(f.lifecycle ? { lifecycle: f.lifecycle } : {}),
    ...(f.tag ? { tag: f.tag } : {}),
    sort: f.sort,
    descending: f.descending,
  };
}

/** Clicking a column header: sort by it, or flip the direction when it already sorts. */
export function toggleSort(f: RegistryFilters, sort: RegistrySort): RegistryFilters {
  return f.sort === sort ? { ...f, descending: !f.descending } : { ...f, sort, descending: false };
}
