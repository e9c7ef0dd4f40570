/** One device: who it is, how it is doing, and a chart per metric over a shared window. */
import { type ReactNode, useEffect, useLayoutEffect, useMemo } from 'react';
import type { DeviceSummary } from '../../common/contract';
import { ChartArea } from '../charts/ChartArea';
import { createLiveFeed } from '../charts/live-feed';
import { MetricChart } from '../charts/MetricChart';
import { FirmwareHistoryPanel } from '../firmware/FirmwareHistory';
import { FirmwarePanel } from '../firmware/FirmwarePanel';
import { formatAgo, formatCount } from '../format';
import { RemoveDevice } from '../registry/RemoveDevice';
import { hrefFor, navigate } from '../router';
import { engine } from '../rpc/engine';
import { useNow } from '../state/clock';
import { useComparison } from '../state/comparison';
import { useDevices } from '../state/devices';
import { useUi } from '../state/ui';
import { ClockSkew } from './ClockSkew';
import { StateBadge } from './StateBadge';

function Fact({ term, children, className }: { term: string; children: ReactNode; className?: string }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd className={className}>{children}</dd>
    </div>
  );
}

const countClass = (n: number) => (n > 0 ? 'num flagged' : 'num');

function DeviceHeader({ device }: { device: DeviceSummary }) {
  const now = useNow();
  const { counters } = device;
  return (
    <div className="device-head">
      <h1>{device.name}</h1>
      <dl className="facts">
        <Fact term="id" className="mono">
          {device.id}
        </Fact>
        <Fact term="kind">{device.kind}</Fact>
        <Fact term="transport">
          <span className={`transport transport-${device.transport}`}>{device.transport}</span>
        </Fact>
        <Fact term="state">
          <StateBadge state={device.state} />
        </Fact>
        <Fact term="last seen">{formatAgo(device.lastSeen, now)}</Fact>
        <Fact term="clock">
          <ClockSkew skewMs={device.clockSkewMs} suspect={device.clockSuspect} />
        </Fact>
        <Fact term="readings" className="num">
          {formatCount(counters.readings)}
        </Fact>
        <Fact term="duplicates" className="num">
          {formatCount(counters.duplicates)}
        </Fact>
      </dl>
      <dl className="facts flagged-facts" data-testid="flagged-counters">
        <Fact term="flagged" className={countClass(counters.flagged)}>
          {formatCount(counters.flagged)}
        </Fact>
        <Fact term="null" className={countClass(counters.nulls)}>
          {formatCount(counters.nulls)}
        </Fact>
        <Fact term="out of range" className={countClass(counters.outOfRange)}>
          {formatCount(counters.outOfRange)}
        </Fact>
        <Fact term="suspect" className={countClass(counters.suspect)}>
          {formatCount(counters.suspect)}
        </Fact>
        <Fact term="invalid" className={countClass(counters.invalid ?? 0)}>
          {formatCount(counters.invalid ?? 0)}
        </Fact>
      </dl>
    </div>
  );
}

function CompareLink() {
  const selected = useComparison((s) => s.selected);
  if (selected.length === 0) return null;
  return (
    <a
      className="compare-link"
      data-testid="compare-link"
      href={hrefFor({ name: 'compare', series: selected })}
    >
      Compare {selected.length} series →
    </a>
  );
}

export function DevicePage({ deviceId }: { deviceId: string }) {
  const device = useDevices((s) => s.devices.find((d) => d.id === deviceId));
  const loaded = useDevices((s) => s.loaded);
  const feed = useMemo(() => createLiveFeed([deviceId]), [deviceId]);

  useEffect(() => {
    useUi.setState({ lastDeviceId: deviceId });
  }, [deviceId]);

  // A layout effect runs before the charts' (passive) effects, so the engine starts the
  // live stream before it answers their history queries: no reading falls in between.
  useLayoutEffect(
    () => engine().subscribe('readings.live', { deviceIds: [deviceId] }, (batch) => feed.dispatch(batch)),
    [deviceId, feed],
  );

  const metrics = device?.metrics ?? [];
  return (
    <section className="page">
      <div className="page-links">
        <a className="back" href={hrefFor({ name: 'fleet' })}>
          ← Fleet
        </a>
        <CompareLink />
        {device && (
          <RemoveDevice
            deviceId={device.id}
            name={device.name}
            onRemoved={() => {
              useUi.setState({ lastDeviceId: null });
              navigate({ name: 'fleet' });
            }}
          />
        )}
      </div>
      {device ? (
        <DeviceHeader device={device} />
      ) : (
        <h1>{loaded ? `No device “${deviceId}”` : 'Loading device…'}</h1>
      )}
      {device && (
        <ChartArea>
          {metrics.length === 0 && <p className="empty">This device has not reported any metric yet.</p>}
          <div className="charts">
            {metrics.map((m) => (
              <MetricChart key={m.name} deviceId={deviceId} metric={m.name} unit={m.unit} feed={feed} />
            ))}
          </div>
        </ChartArea>
      )}
      {(device?.transport === 'serial' || device?.transport === 'ble') && (
        <FirmwarePanel target={{ deviceId: device.id }} over={device.transport} />
      )}
      {device && <FirmwareHistoryPanel deviceId={device.id} />}
    </section>
  );
}
