/**
 * One characteristic: Read shows the value (decoded by the device profile when one
 * knows it, else text/hex), Write sends hex bytes. Buttons follow the properties.
 */
import { type FormEvent, useState } from 'react';
import type { z } from 'zod';
import type { GattValueSchema } from '../../common/contract';
import { formatWithUnit } from '../format';
import { engine } from '../rpc/engine';
import { errorMessage } from '../tools/use-poll';

type GattValue = z.infer<typeof GattValueSchema>;

export interface GattRef {
  connectorId: string;
  peripheralId: string;
  service: string;
  characteristic: string;
}

interface Props {
  gatt: GattRef;
  name: string | null;
  properties: readonly string[];
}

export function GattCharacteristic({ gatt, name, properties }: Props) {
  const [value, setValue] = useState<GattValue | null>(null);
  const [hex, setHex] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const canRead = properties.includes('read');
  const canWrite = properties.includes('write') || properties.includes('writeWithoutResponse');

  const read = () => {
    setMessage(null);
    engine()
      .request('ble.read', gatt)
      .then(setValue, (e: unknown) => setMessage(errorMessage(e)));
  };
  const write = (event: FormEvent) => {
    event.preventDefault();
    setMessage(null);
    engine()
      .request('ble.write', { ...gatt, hex: hex.trim() })
      .then(
        (r) => setMessage(r.ok ? 'written' : 'not written'),
        (e: unknown) => setMessage(errorMessage(e)),
      );
  };

  return (
    <li className="gatt-char" data-testid="gatt-characteristic" data-uuid={gatt.characteristic}>
      <div>
        <span className="mono">{gatt.characteristic}</span> {name && <span>{name}</span>}{' '}
        <span className="muted small">{properties.join(', ')}</span>
      </div>
      <div className="gatt-actions">
        {canRead && (
          <button type="button" className="small-button" onClick={read}>
            Read
          </button>
        )}
        {canWrite && (
          <form onSubmit={write} className="inline-form">
            <input
              className="mono"
              aria-label={`Hex to write to ${name ?? gatt.characteristic}`}
              placeholder="01 ff"
              value={hex}
              onChange={(e) => setHex(e.target.value)}
            />
            <button type="submit" className="small-button">
              Write
            </button>
          </form>
        )}
      </div>
      {value && (
        <div className="gatt-value small" data-testid="gatt-value">
          {value.error && <span className="flagged">{value.error} </span>}
          {value.decoded && (
            <strong>
              {value.decoded.metric}: {formatWithUnit(value.decoded.value, value.decoded.unit)}{' '}
            </strong>
          )}
          {/* a number that happens to be printable bytes (87 % is "W") is not text */}
          {value.text !== null && !value.decoded && <span>“{value.text}” </span>}
          <span className="mono muted">{value.hex}</span>
        </div>
      )}
      {message && <div className="small muted">{message}</div>}
    </li>
  );
}
