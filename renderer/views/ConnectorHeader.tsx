/**
 * The head of a connector tool page: back to connections, the connector's name, state,
 * detail and last error, or a clear word when the id names no connector of that kind.
 */
import type { ConnectorStatus } from '../../common/contract';
import { formatCount } from '../format';
import { hrefFor } from '../router';
import { useConnectors } from '../state/connectors';
import { ApartCounts } from './ApartCounts';
import { StateBadge } from './StateBadge';

interface Props {
  title: string;
  connectorId: string;
  connector: ConnectorStatus | undefined;
  expectKind: 'serial' | 'mqtt' | 'ble';
  /** the page shows an error state itself (the BLE explorer does, prominently) */
  ownsErrorState?: boolean;
}

export function ConnectorHeader({ title, connectorId, connector: c, expectKind, ownsErrorState }: Props) {
  const loaded = useConnectors((s) => s.loaded);
  return (
    <>
      <a className="back" href={hrefFor({ name: 'connections' })}>
        ← Connections
      </a>
      <div className="page-head">
        <h1>
          {title}: {c?.label ?? connectorId}
        </h1>
        {c && <StateBadge state={c.state} />}
        {c && (
          <span className="muted small">
            {formatCount(c.messagesIn)} messages · {formatCount(c.readingsIn)} readings ·{' '}
            <span className={c.decodeErrors > 0 ? 'flagged' : undefined}>
              {formatCount(c.decodeErrors)} decode errors
            </span>
            <ApartCounts connector={c} />
          </span>
        )}
      </div>
      {loaded && !c && <div className="notice notice-warn">There is no connector "{connectorId}".</div>}
      {c && c.kind !== expectKind && (
        <div className="notice notice-warn">
          "{connectorId}" is a {c.kind} connector, not {expectKind}.
        </div>
      )}
      {c?.state === 'error' && !ownsErrorState && (
        <div className="notice notice-error" role="alert">
          {c.detail || c.lastError}
        </div>
      )}
      {c && c.state !== 'error' && c.detail && <p className="muted small">{c.detail}</p>}
      {c?.lastError && c.state !== 'error' && (
        <div className="notice notice-warn">Last error: {c.lastError}</div>
      )}
    </>
  );
}
