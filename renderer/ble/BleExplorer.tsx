/**
 * The BLE explorer (#/ble/<id>). When the connector cannot use the radio (no adapter,
 * no permission) its status says why, and that is the page: nothing is polled that
 * would only fail the same way. Otherwise the peripherals heard, polled once a second;
 * selecting one opens its GATT services.
 */
import { useState } from 'react';
import { formatAgo } from '../format';
import { hrefFor } from '../router';
import { engine } from '../rpc/engine';
import { useNow } from '../state/clock';
import { useConnectors } from '../state/connectors';
import { usePoll } from '../tools/use-poll';
import { ConnectorHeader } from '../views/ConnectorHeader';
import { PeripheralServices } from './PeripheralServices';

const PERIPHERAL_POLL_MS = 1000;

export function BleExplorer({ connectorId }: { connectorId: string }) {
  const connector = useConnectors((s) => s.connectors.find((c) => c.id === connectorId));
  const failed = connector?.state === 'error';
  const peripherals = usePoll(
    () => engine().request('ble.peripherals', { connectorId }),
    PERIPHERAL_POLL_MS,
    connectorId,
    connector !== undefined && !failed,
  );
  const [selected, setSelected] = useState<string | null>(null);
  const now = useNow();

  return (
    <section className="page" data-testid="ble-explorer">
      <ConnectorHeader
        title="Bluetooth devices"
        connectorId={connectorId}
        connector={connector}
        expectKind="ble"
        ownsErrorState
      />
      <div
        className={`notice ${failed ? 'notice-error ble-status-error' : 'notice-info'}`}
        data-testid="ble-status"
        data-state={connector?.state ?? 'unknown'}
        role={failed ? 'alert' : 'status'}
      >
        {connector
          ? failed
            ? connector.detail || connector.lastError
            : `${connector.state}: ${connector.detail}`
          : '…'}
      </div>
      {!failed && connector && (
        <>
          {peripherals.error && <div className="notice notice-error">{peripherals.error}</div>}
          <table className="grid" data-testid="ble-peripherals">
            <thead>
              <tr>
                <th>Name</th>
                <th>Address</th>
                <th className="num">RSSI</th>
                <th>Services</th>
                <th>Manufacturer data</th>
                <th>Link</th>
                <th>Device</th>
                <th className="num">Heard</th>
              </tr>
            </thead>
            <tbody>
              {peripherals.data?.map((p) => (
                <tr
                  key={p.id}
                  data-testid="ble-peripheral"
                  data-peripheral-id={p.id}
                  data-rssi={p.rssi}
                  className={`clickable${selected === p.id ? ' selected' : ''}`}
                  tabIndex={0}
                  aria-selected={selected === p.id}
                  onClick={() => setSelected(p.id)}
                  onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && setSelected(p.id)}
                >
                  <td>{p.name ?? <span className="muted">(no name)</span>}</td>
                  <td className="mono" data-testid="ble-address">
                    {p.address}
                  </td>
                  <td className="num" data-testid="ble-rssi">
                    {p.rssi} dBm
                  </td>
                  <td className="mono small" data-testid="ble-services">
                    {p.serviceUuids.join(', ')}
                  </td>
                  <td className="mono small">
                    {p.companyId !== null && `0x${p.companyId.toString(16).padStart(4, '0')} `}
                    {p.manufacturerData}
                  </td>
                  <td data-testid="ble-link">{p.link}</td>
                  <td>
                    {p.deviceId && (
                      <a
                        className="mono small"
                        data-testid="ble-device-link"
                        href={hrefFor({ name: 'device', deviceId: p.deviceId })}
                        onClick={(e) => e.stopPropagation()}
                      >
                        {p.deviceId}
                      </a>
                    )}
                  </td>
                  <td className="num">{formatAgo(p.lastSeen, now)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {peripherals.data?.length === 0 && <p className="empty">Nothing heard yet.</p>}
          {selected && (
            <PeripheralServices key={selected} connectorId={connectorId} peripheralId={selected} />
          )}
        </>
      )}
    </section>
  );
}
