/** Every device at a glance, live; the starting point for everything else. */
import { type KeyboardEvent as ReactKeyboardEvent, useEffect, useRef } from 'react';
import { useNow } from '../state/clock';
import { useDevices } from '../state/devices';
import { useUi } from '../state/ui';
import { DeviceRow } from './DeviceRow';
import { filterDevices } from './fleet-filter';

function isTyping(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))
  );
}

export function FleetView() {
  const { devices, loaded, error } = useDevices();
  const query = useUi((s) => s.fleetFilter);
  const now = useNow();
  const filterRef = useRef<HTMLInputElement>(null);
  const bodyRef = useRef<HTMLTableSectionElement>(null);
  const shown = filterDevices(devices, query);

  // "/" jumps to the filter from anywhere on the page, as in many web tools
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target))
        return;
      event.preventDefault();
      filterRef.current?.focus();
      filterRef.current?.select();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);

  const onFilterKey = (event: ReactKeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Escape') {
      useUi.setState({ fleetFilter: '' });
      event.currentTarget.blur();
    } else if (event.key === 'ArrowDown') {
      event.preventDefault();
      (bodyRef.current?.firstElementChild as HTMLElement | null)?.focus();
    }
  };

  const online = devices.filter((d) => d.state === 'online').length;
  return (
    <section className="page">
      <div className="page-head">
        <h1>Fleet</h1>
        <span className="muted">
          {loaded ? `${devices.length} devices, ${online} online` : 'loading…'}
          {shown.length !== devices.length ? ` · ${shown.length} shown` : ''}
        </span>
        <input
          ref={filterRef}
          className="filter"
          type="search"
          placeholder="Filter by name, kind or id  ( / )"
          aria-label="Filter devices"
          value={query}
          onChange={(event) => useUi.setState({ fleetFilter: event.target.value })}
          onKeyDown={onFilterKey}
        />
      </div>
      {error && <div className="notice notice-warn">Could not load devices: {error}</div>}
      <table className="grid fleet">
        <thead>
          <tr>
            <th>Name</th>
            <th>Kind</th>
            <th>Transport</th>
            <th>State</th>
            <th>Last reading</th>
            <th className="num">Last seen</th>
            <th className="num" title="Device clock minus host clock">
              Clock
            </th>
            <th className="num">Readings</th>
            <th className="num">Duplicates</th>
            <th className="num">Flagged</th>
          </tr>
        </thead>
        <tbody ref={bodyRef}>
          {shown.map((device) => (
            <DeviceRow key={device.id} device={device} now={now} />
          ))}
        </tbody>
      </table>
      {loaded && shown.length === 0 && (
        <p className="empty">{devices.length === 0 ? 'No devices yet.' : `No device matches “${query}”.`}</p>
      )}
    </section>
  );
}
