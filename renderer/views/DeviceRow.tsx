/**
 * One device in the fleet table. The row itself is the control (click, Enter or Space
 * opens the device; arrows move between rows) so a technician can walk the list from
 * the keyboard without tabbing through every cell.
 */
import { type KeyboardEvent, memo } from 'react';
import type { DeviceSummary, MetricInfo } from '../../common/contract';
import { formatAgo, formatCount, formatWithUnit } from '../format';
import { navigate } from '../router';
import { ClockSkew } from './ClockSkew';
import { StateBadge } from './StateBadge';

function LastReading({ metrics }: { metrics: MetricInfo[] }) {
  const withValues = metrics.filter((m) => m.last !== null);
  if (withValues.length === 0) return <span className="muted">—</span>;
  return (
    <span className="last-reading">
      {withValues.map((m) => (
        <span
          key={m.name}
          className={m.last?.quality === 'good' ? 'reading' : 'reading flagged'}
          title={`${m.name}: ${formatWithUnit(m.last?.value ?? null, m.unit)} (${m.last?.quality})`}
        >
          {formatWithUnit(m.last?.value ?? null, m.unit)}
        </span>
      ))}
    </span>
  );
}

function moveFocus(row: HTMLElement, direction: 'up' | 'down') {
  const next = direction === 'up' ? row.previousElementSibling : row.nextElementSibling;
  if (next instanceof HTMLElement) next.focus();
}

export const DeviceRow = memo(function DeviceRow({ device, now }: { device: DeviceSummary; now: number }) {
  const open = () => navigate({ name: 'device', deviceId: device.id });
  const onKeyDown = (event: KeyboardEvent<HTMLTableRowElement>) => {
    if (event.target !== event.currentTarget) return;
    switch (event.key) {
      case 'Enter':
      case ' ':
        event.preventDefault(); // Space would scroll the page
        open();
        break;
      case 'ArrowDown':
      case 'ArrowUp':
        event.preventDefault();
        moveFocus(event.currentTarget, event.key === 'ArrowUp' ? 'up' : 'down');
        break;
    }
  };
  const { counters } = device;
  return (
    <tr
      data-testid="device-row"
      data-device-id={device.id}
      tabIndex={0}
      className="clickable"
      onClick={open}
      onKeyDown={onKeyDown}
    >
      <td>
        <span className="device-name">{device.name}</span>{' '}
        <span className="muted mono small">{device.id}</span>
      </td>
      <td>{device.kind}</td>
      <td>
        <span className={`transport transport-${device.transport}`}>{device.transport}</span>
      </td>
      <td>
        <StateBadge state={device.state} />
      </td>
      <td>
        <LastReading metrics={device.metrics} />
      </td>
      <td className="num nowrap">{formatAgo(device.lastSeen, now)}</td>
      <td className="num nowrap">
        <ClockSkew skewMs={device.clockSkewMs} suspect={device.clockSuspect} />
      </td>
      <td className="num">{formatCount(counters.readings)}</td>
      <td className="num">{formatCount(counters.duplicates)}</td>
      <td className={counters.flagged > 0 ? 'num flagged' : 'num'}>{formatCount(counters.flagged)}</td>
    </tr>
  );
});
