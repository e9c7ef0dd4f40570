/**
 * The registry as a windowed table: only the rows in view (plus a few) are in the DOM,
 * at a fixed height, with spacer rows standing in for the rest, so 10,000 devices
 * scroll as smoothly as 10. Pages come from the engine as the window reaches them.
 * Arrow keys, Page Up/Down, Home and End move the selection; the detail panel follows.
 */
import { type KeyboardEvent, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { RegistryDevice } from '../../common/registry-contract';
import { formatAgo } from '../format';
import { type RegistryFilters, type RegistrySort, toggleSort, useRegistry } from '../state/registry';
import type { Pager } from './pager';
import { moveSelection, rowWindow, scrollToReveal } from './window-math';

export const ROW_HEIGHT = 30;
const OVERSCAN = 8;

const COLUMNS: { label: string; sort: RegistrySort | null; className?: string }[] = [
  { label: 'Name', sort: 'name' },
  { label: 'Id', sort: 'id' },
  { label: 'Site', sort: 'site' },
  { label: 'Lifecycle', sort: 'lifecycle' },
  { label: 'Firmware', sort: 'firmware' },
  { label: 'Last seen', sort: 'lastSeen', className: 'num' },
  { label: 'Tags', sort: null },
];

function SortHeader({ column, filters }: { column: (typeof COLUMNS)[number]; filters: RegistryFilters }) {
  if (column.sort === null) return <th className={column.className}>{column.label}</th>;
  const sort = column.sort;
  const active = filters.sort === sort;
  return (
    <th
      className={column.className}
      aria-sort={active ? (filters.descending ? 'descending' : 'ascending') : 'none'}
    >
      <button
        type="button"
        className="sort-button"
        data-testid={`sort-${sort}`}
        onClick={() => useRegistry.setState((s) => ({ filters: toggleSort(s.filters, sort) }))}
      >
        {column.label}
        <span aria-hidden="true">{active ? (filters.descending ? ' ▼' : ' ▲') : ''}</span>
      </button>
    </th>
  );
}

function Row({
  device,
  index,
  selected,
  now,
  onOpen,
}: {
  device: RegistryDevice | undefined;
  index: number;
  selected: boolean;
  now: number;
  onOpen(index: number): void;
}) {
  if (!device)
    return (
      <tr className="registry-row placeholder" aria-busy="true">
        <td colSpan={COLUMNS.length} className="muted">
          …
        </td>
      </tr>
    );
  return (
    <tr
      className={selected ? 'registry-row clickable selected' : 'registry-row clickable'}
      aria-selected={selected}
      data-testid="registry-row"
      data-device-id={device.id}
      data-index={index}
      onClick={() => onOpen(index)}
    >
      <td className="device-name" title={device.name}>
        {device.name}
      </td>
      <td className="mono" title={device.id}>
        {device.id}
      </td>
      <td title={device.site ?? ''}>{device.site ?? <span className="muted">—</span>}</td>
      <td>
        <span className={`badge lifecycle-${device.lifecycle}`}>{device.lifecycle}</span>
      </td>
      <td className="mono">{device.firmwareVersion ?? <span className="muted">—</span>}</td>
      <td className="num">{formatAgo(device.lastSeen, now)}</td>
      <td className="tags" title={device.tags.join(', ')}>
        {device.tags.join(', ')}
      </td>
    </tr>
  );
}

export function RegistryTable({
  pager,
  version,
  selectedId,
  now,
  onSelect,
}: {
  pager: Pager<unknown, RegistryDevice>;
  /** bumps whenever the pager has new rows */
  version: number;
  selectedId: string | null;
  now: number;
  onSelect(device: RegistryDevice, how: 'click' | 'key'): void;
}) {
  const filters = useRegistry((s) => s.filters);
  const scrollRef = useRef<HTMLElement>(null);
  const [scrollTop, setScrollTop] = useState(() => useRegistry.getState().scrollTop);
  const [viewport, setViewport] = useState(600);
  const [active, setActive] = useState<number | null>(null);
  const total = pager.total ?? 0;

  // the header row is inside the scroll box: the rows' viewport is the box minus it
  useLayoutEffect(() => {
    const box = scrollRef.current;
    if (!box) return;
    const measure = () => setViewport(Math.max(ROW_HEIGHT, box.clientHeight - ROW_HEIGHT));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(box);
    box.scrollTop = useRegistry.getState().scrollTop;
    return () => observer.disconnect();
  }, []);

  // a new query starts at the top (a remount with the same filters keeps its place)
  const shownFilters = useRef(filters);
  useEffect(() => {
    if (shownFilters.current === filters) return;
    shownFilters.current = filters;
    setActive(null);
    setScrollTop(0);
    useRegistry.setState({ scrollTop: 0 });
    if (scrollRef.current) scrollRef.current.scrollTop = 0;
  }, [filters]);

  const win = rowWindow({
    scrollTop,
    viewportHeight: viewport,
    rowHeight: ROW_HEIGHT,
    total,
    overscan: OVERSCAN,
  });

  // biome-ignore lint/correctness/useExhaustiveDependencies: version means new rows or a new total
  useEffect(() => {
    pager.ensure(win.first, Math.max(win.end, win.first + 1));
  }, [pager, win.first, win.end, version]);

  const selectedIndex = active ?? (selectedId === null ? null : pager.indexWhere((d) => d.id === selectedId));

  const onKeyDown = (event: KeyboardEvent<HTMLElement>) => {
    const pageRows = Math.floor(viewport / ROW_HEIGHT);
    if (event.key === 'Enter' && selectedIndex !== null && selectedIndex >= 0) {
      const device = pager.rowAt(selectedIndex);
      if (device) onSelect(device, 'click');
      return;
    }
    const next = moveSelection(
      event.key,
      selectedIndex !== null && selectedIndex >= 0 ? selectedIndex : null,
      total,
      pageRows,
    );
    if (next === null) return;
    event.preventDefault();
    setActive(next);
    const box = scrollRef.current;
    if (box) box.scrollTop = scrollToReveal(next, box.scrollTop, viewport, ROW_HEIGHT);
    const device = pager.rowAt(next);
    if (device) onSelect(device, 'key');
  };

  const rows = [];
  for (let i = win.first; i < win.end; i++) {
    const device = pager.rowAt(i);
    rows.push(
      <Row
        key={device?.id ?? `placeholder-${i}`}
        device={device}
        index={i}
        selected={device !== undefined && device.id === selectedId}
        now={now}
        onOpen={(index) => {
          setActive(index);
          onSelect(device as RegistryDevice, 'click');
        }}
      />,
    );
  }

  return (
    <section
      ref={scrollRef}
      className="registry-scroll"
      // biome-ignore lint/a11y/noNoninteractiveTabindex: the table is one keyboard stop; arrows move inside it
      tabIndex={0}
      aria-label="Devices"
      onKeyDown={onKeyDown}
      onScroll={(e) => {
        const top = e.currentTarget.scrollTop;
        setScrollTop(top);
        useRegistry.setState({ scrollTop: top });
      }}
      data-testid="registry-scroll"
    >
      <table
        className="grid registry-table"
        data-testid="registry-table"
        data-total={pager.total ?? ''}
        data-search={filters.search}
      >
        <colgroup>
          <col style={{ width: '20%' }} />
          <col style={{ width: '14%' }} />
          <col style={{ width: '13%' }} />
          <col style={{ width: '14%' }} />
          <col style={{ width: '9%' }} />
          <col style={{ width: '10%' }} />
          <col />
        </colgroup>
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <SortHeader key={c.label} column={c} filters={filters} />
            ))}
          </tr>
        </thead>
        <tbody>
          {win.padTop > 0 && (
            <tr className="spacer" style={{ height: win.padTop }}>
              <td colSpan={COLUMNS.length} />
            </tr>
          )}
          {rows}
          {win.padBottom > 0 && (
            <tr className="spacer" style={{ height: win.padBottom }}>
              <td colSpan={COLUMNS.length} />
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}
