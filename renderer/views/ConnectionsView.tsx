/** The links to the devices: serial ports, the BLE radio, MQTT brokers, and how they fare. */
import type { ConnectorStatus } from '../../common/contract';
import { formatAgo, formatCount } from '../format';
import { useNow } from '../state/clock';
import { useConnectors } from '../state/connectors';
import { StateBadge } from './StateBadge';

function ConnectorRow({ connector: c, now }: { connector: ConnectorStatus; now: number }) {
  return (
    <tr data-testid="connector-row" data-connector-id={c.id}>
      <td>
        {c.label} <span className="muted mono small">{c.id}</span>
      </td>
      <td>
        <span className={`transport transport-${c.kind}`}>{c.kind}</span>
      </td>
      <td>
        <StateBadge state={c.state} />
      </td>
      <td className="detail" title={c.detail}>
        {c.detail}
      </td>
      <td className="num">{formatCount(c.devices)}</td>
      <td className="num">{formatCount(c.messagesIn)}</td>
      <td className="num">{formatCount(c.readingsIn)}</td>
      <td className={c.decodeErrors > 0 ? 'num flagged' : 'num'}>{formatCount(c.decodeErrors)}</td>
      <td className="detail last-error" title={c.lastError ?? undefined}>
        {c.lastError ?? <span className="muted">—</span>}
      </td>
      <td className="num nowrap" title={new Date(c.since).toLocaleString()}>
        {formatAgo(c.since, now)}
      </td>
    </tr>
  );
}

export function ConnectionsView() {
  const { connectors, loaded, error } = useConnectors();
  const now = useNow();
  return (
    <section className="page">
      <div className="page-head">
        <h1>Connections</h1>
        <span className="muted">{loaded ? `${connectors.length} connectors` : 'loading…'}</span>
      </div>
      {error && <div className="notice notice-warn">Could not load connectors: {error}</div>}
      <table className="grid">
        <thead>
          <tr>
            <th>Connector</th>
            <th>Kind</th>
            <th>State</th>
            <th>Detail</th>
            <th className="num">Devices</th>
            <th className="num">Messages in</th>
            <th className="num">Readings in</th>
            <th className="num">Decode errors</th>
            <th>Last error</th>
            <th className="num">Since</th>
          </tr>
        </thead>
        <tbody>
          {connectors.map((c) => (
            <ConnectorRow key={c.id} connector={c} now={now} />
          ))}
        </tbody>
      </table>
      {loaded && connectors.length === 0 && <p className="empty">No connectors configured.</p>}
    </section>
  );
}
