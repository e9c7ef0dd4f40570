/** One device: who it is, how it is doing, and a live chart per metric. */
import { useEffect, useLayoutEffect, useMemo } from 'react';
import type { DeviceSummary } from '../../common/contract';
import { createLiveFeed } from '../charts/live-feed';
import { MetricChart } from '../charts/MetricChart';
import { formatAgo, formatCount, formatSpan } from '../format';
import { hrefFor } from '../router';
import { engine } from '../rpc/engine';
import { useNow } from '../state/clock';
import { useDevices } from '../state/devices';
import { CHART_WINDOWS_MS, useUi } from '../state/ui';
import { StateBadge } from './StateBadge';

function DeviceHeader({ device }: { device: DeviceSummary }) {
  const now = useNow();
  const { counters } = device;
  return (
    <div className="device-head">
      <h1>{device.name}</h1>
      <dl className="facts">
        <div>
          <dt>id</dt>
          <dd className="mono">{device.id}</dd>
        </div>
        <div>
          <dt>kind</dt>
          <dd>{device.kind}</dd>
        </div>
        <div>
          <dt>transport</dt>
          <dd>
            <span className={`transport transport-${device.transport}`}>{device.transport}</span>
          </dd>
        </div>
        <div>
          <dt>state</dt>
          <dd>
            <StateBadge state={device.state} />
          </dd>
        </div>
        <div>
          <dt>last seen</dt>
          <dd>{formatAgo(device.lastSeen, now)}</dd>
        </div>
        <div>
          <dt>readings</dt>
          <dd className="num">{formatCount(counters.readings)}</dd>
        </div>
        <div>
          <dt>duplicates</dt>
          <dd className="num">{formatCount(counters.duplicates)}</dd>
        </div>
        <div>
          <dt>flagged</dt>
          <dd className={counters.flagged > 0 ? 'num flagged' : 'num'}>{formatCount(counters.flagged)}</dd>
        </div>
      </dl>
    </div>
  );
}

function WindowPicker() {
  const windowMs = useUi((s) => s.chartWindowMs);
  return (
    <fieldset className="window-picker">
      <legend>Window</legend>
      {CHART_WINDOWS_MS.map((ms) => (
        <button
          key={ms}
          type="button"
          className={ms === windowMs ? 'active' : undefined}
          aria-pressed={ms === windowMs}
          onClick={() => useUi.setState({ chartWindowMs: ms })}
        >
          {formatSpan(ms)}
        </button>
      ))}
      <span className="muted live-note">live, to now</span>
    </fieldset>
  );
}

export function DevicePage({ deviceId }: { deviceId: string }) {
  const device = useDevices((s) => s.devices.find((d) => d.id === deviceId));
  const loaded = useDevices((s) => s.loaded);
  const windowMs = useUi((s) => s.chartWindowMs);
  const feed = useMemo(() => createLiveFeed(deviceId), [deviceId]);

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
      <a className="back" href={hrefFor({ name: 'fleet' })}>
        ← Fleet
      </a>
      {device ? (
        <DeviceHeader device={device} />
      ) : (
        <h1>{loaded ? `No device “${deviceId}”` : 'Loading device…'}</h1>
      )}
      {device && (
        <>
          <WindowPicker />
          {metrics.length === 0 && <p className="empty">This device has not reported any metric yet.</p>}
          <div className="charts">
            {metrics.map((m) => (
              <MetricChart
                key={m.name}
                deviceId={deviceId}
                metric={m.name}
                unit={m.unit}
                windowMs={windowMs}
                feed={feed}
              />
            ))}
          </div>
        </>
      )}
    </section>
  );
}
