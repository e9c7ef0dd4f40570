/** The services and characteristics of one peripheral, asked for when it is selected. */
import { useCallback, useEffect, useState } from 'react';
import type { z } from 'zod';
import type { GattServiceSchema } from '../../common/contract';
import { engine } from '../rpc/engine';
import { errorMessage } from '../tools/use-poll';
import { GattCharacteristic } from './GattCharacteristic';

type GattService = z.infer<typeof GattServiceSchema>;

export function PeripheralServices({
  connectorId,
  peripheralId,
}: {
  connectorId: string;
  peripheralId: string;
}) {
  const [services, setServices] = useState<GattService[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    setError(null);
    setServices(null);
    engine()
      .request('ble.services', { connectorId, peripheralId })
      .then(setServices, (e: unknown) => setError(errorMessage(e)));
  }, [connectorId, peripheralId]);
  useEffect(load, [load]);

  return (
    <div className="gatt" data-testid="gatt-services">
      <div className="page-head">
        <h2 className="section-title">Services</h2>
        <button type="button" className="small-button" onClick={load}>
          Refresh
        </button>
      </div>
      {error && <div className="notice notice-error">{error}</div>}
      {services === null && !error && <p className="muted">connecting and discovering…</p>}
      {services?.length === 0 && <p className="muted">No services.</p>}
      <ul className="gatt-services">
        {services?.map((s) => (
          <li key={s.uuid} data-testid="gatt-service" data-uuid={s.uuid}>
            <div>
              <span className="mono">{s.uuid}</span> {s.name}
            </div>
            <ul>
              {s.characteristics.map((c) => (
                <GattCharacteristic
                  key={c.uuid}
                  gatt={{ connectorId, peripheralId, service: s.uuid, characteristic: c.uuid }}
                  name={c.name}
                  properties={c.properties}
                />
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </div>
  );
}
