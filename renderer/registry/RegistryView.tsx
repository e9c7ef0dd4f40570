/**
 * The device registry: server-side search (debounced), filters by site, lifecycle and
 * tag, sort by column, a windowed table and the selected device's detail panel. The
 * fleet page stays the live view; this is the inventory.
 */
import { type KeyboardEvent, useEffect, useMemo, useRef, useState } from 'react';
import { LIFECYCLES, type RegistryDevice } from '../../common/registry-contract';
import { formatCount } from '../format';
import { hrefFor, navigate } from '../router';
import { engine } from '../rpc/engine';
import { useNow } from '../state/clock';
import { DEFAULT_FILTERS, queryFor, type RegistryFilters, useRegistry } from '../state/registry';
import { LoadError } from '../tools/PageNotices';
import { errorMessage } from '../tools/use-poll';
import { DeviceDetail } from './DeviceDetail';
import { debounce } from './debounce';
import { Pager } from './pager';
import { RegistryTable } from './RegistryTable';

const PAGE_SIZE = 100;
const SEARCH_DEBOUNCE_MS = 200;
/** the visible rows are fetched again this often, so last-seen and lifecycle stay current */
const REFRESH_MS = 10_000;

type Query = ReturnType<typeof queryFor>;

function Filters({ onSearchKey }: { onSearchKey(e: KeyboardEvent<HTMLInputElement>): void }) {
  const { filters, searchText, facets } = useRegistry();
  const set = (patch: Partial<RegistryFilters>) =>
    useRegistry.setState((s) => ({ filters: { ...s.filters, ...patch } }));
  const filtered =
    filters.search !== '' ||
    filters.site !== '' ||
    filters.lifecycle !== '' ||
    filters.tag !== '' ||
    searchText !== '';
  return (
    <div className="toolbar registry-filters">
      <input
        className="filter registry-search"
        type="search"
        placeholder="Search id, name, serial, site, tag"
        aria-label="Search devices"
        value={searchText}
        onChange={(e) => useRegistry.setState({ searchText: e.target.value })}
        onKeyDown={onSearchKey}
        data-testid="registry-search"
      />
      <select
        aria-label="Site"
        value={filters.site}
        onChange={(e) => set({ site: e.target.value })}
        data-testid="registry-site"
      >
        <option value="">All sites</option>
        {facets?.sites.map((site) => (
          <option key={site} value={site}>
            {site}
          </option>
        ))}
      </select>
      <select
        aria-label="Lifecycle"
        value={filters.lifecycle}
        onChange={(e) => set({ lifecycle: e.target.value as RegistryFilters['lifecycle'] })}
        data-testid="registry-lifecycle"
      >
        <option value="">Any lifecycle</option>
        {LIFECYCLES.map((l) => (
          <option key={l} value={l}>
            {l}
          </option>
        ))}
      </select>
      <select
        aria-label="Tag"
        value={filters.tag}
        onChange={(e) => set({ tag: e.target.value })}
        data-testid="registry-tag"
      >
        <option value="">Any tag</option>
        {facets?.tags.map((tag) => (
          <option key={tag} value={tag}>
            {tag}
          </option>
        ))}
      </select>
      {filtered && (
        <button
          type="button"
          className="small-button"
          onClick={() =>
            useRegistry.setState((s) => ({
              filters: { ...DEFAULT_FILTERS, sort: s.filters.sort, descending: s.filters.descending },
              searchText: '',
            }))
          }
        >
          Clear filters
        </button>
      )}
    </div>
  );
}

export function RegistryView({ deviceId }: { deviceId: string | null }) {
  const filters = useRegistry((s) => s.filters);
  const searchText = useRegistry((s) => s.searchText);
  const now = useNow();
  const [version, setVersion] = useState(0);
  const [facetsError, setFacetsError] = useState<string | null>(null);

  const pager = useMemo(
    () =>
      new Pager<Query, RegistryDevice>({
        pageSize: PAGE_SIZE,
        maxPages: 30,
        fetch: (query, offset, limit) =>
          engine()
            .request('registry.list', { ...query, offset, limit })
            .then(({ total, devices }) => ({ total, rows: devices })),
        onChange: () => setVersion((v) => v + 1),
      }),
    [],
  );

  const query = useMemo(() => queryFor(filters), [filters]);
  useEffect(() => pager.setQuery(query), [pager, query]);

  useEffect(() => {
    const timer = setInterval(() => pager.refresh(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [pager]);

  const loadFacets = () =>
    engine()
      .request('registry.facets')
      .then(
        (facets) => {
          useRegistry.setState({ facets });
          setFacetsError(null);
        },
        (e: unknown) => setFacetsError(errorMessage(e)),
      );
  // biome-ignore lint/correctness/useExhaustiveDependencies: once per visit
  useEffect(() => {
    void loadFacets();
  }, []);

  // the search box asks the engine once per pause in typing
  const search = useRef(
    debounce(
      (text: string) => useRegistry.setState((s) => ({ filters: { ...s.filters, search: text } })),
      SEARCH_DEBOUNCE_MS,
    ),
  ).current;
  useEffect(() => {
    if (searchText !== useRegistry.getState().filters.search) search.call(searchText);
  }, [searchText, search]);
  useEffect(() => () => search.cancel(), [search]);

  const onSearchKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') search.flush();
    if (e.key === 'Escape') useRegistry.setState({ searchText: '' });
  };

  const select = (device: RegistryDevice, how: 'click' | 'key') => {
    const href = hrefFor({ name: 'registry', deviceId: device.id });
    // arrowing through the table should not fill the history with every row passed
    if (how === 'key' || deviceId !== null) window.location.replace(href);
    else navigate({ name: 'registry', deviceId: device.id });
  };

  return (
    <section className="page registry-page" data-testid="registry-view">
      <div className="page-head">
        <h1>Registry</h1>
        <span className="muted" data-testid="registry-count">
          {pager.total === null ? 'loading…' : `${formatCount(pager.total)} devices`}
          {pager.loading ? ' · updating…' : ''}
        </span>
        <a className="muted small" href={hrefFor({ name: 'fleet' })}>
          live fleet view
        </a>
      </div>
      <Filters onSearchKey={onSearchKey} />
      {facetsError && <div className="notice notice-warn">Filter menus unavailable: {facetsError}</div>}
      <LoadError what="the registry" error={pager.error} onRetry={() => pager.retry()} />
      <div className={deviceId === null ? 'registry-layout' : 'registry-layout with-detail'}>
        <div className="registry-main">
          <RegistryTable pager={pager} version={version} selectedId={deviceId} now={now} onSelect={select} />
          {pager.total === 0 && <p className="empty">No device matches.</p>}
        </div>
        {deviceId !== null && (
          <DeviceDetail
            key={deviceId}
            deviceId={deviceId}
            now={now}
            onChanged={() => {
              pager.refresh();
              void loadFacets();
            }}
            onClose={() => navigate({ name: 'registry', deviceId: null })}
          />
        )}
      </div>
    </section>
  );
}
