/**
 * One characteristic: Read shows the value (decoded by the device profile when one
 * knows it, else text/hex), Write sends hex bytes, Notify lists the values the
 * peripheral pushes, newest first with their time, until it is switched off or the
 * panel closes. Buttons follow the properties.
 */
import { type FormEvent, useEffect, useRef, useState } from 'react';
import type { z } from 'zod';
import type { GattValueSchema } from '../../common/contract';
import { formatDateTime, formatWithUnit } from '../format';
import { engine } from '../rpc/engine';
import { errorMessage } from '../tools/use-poll';
import { appendNotifications, type NotificationEntry } from './notification-log';

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
  const canNotify = properties.includes('notify') || properties.includes('indicate');
  const [notifying, setNotifying] = useState(false);
  const [notifications, setNotifications] = useState<NotificationEntry[]>([]);
  const [notifyError, setNotifyError] = useState<string | null>(null);
  const [dropped, setDropped] = useState(0);
  const seq = useRef(0);
  const { connectorId, peripheralId, service, characteristic } = gatt;

  // subscribed while the toggle is on; unmounting (the panel closes) unsubscribes too
  useEffect(() => {
    if (!notifying) return;
    setNotifications([]);
    setNotifyError(null);
    setDropped(0);
    return engine().subscribe(
      'ble.notifications',
      { connectorId, peripheralId, service, characteristic },
      (batch) => {
        setNotifyError(batch.error);
        if (batch.dropped > 0) setDropped((d) => d + batch.dropped);
        if (batch.values.length === 0) return;
        const start = seq.current;
        seq.current += batch.values.length;
        setNotifications((list) => appendNotifications(list, batch.values, start));
      },
      { onError: (e) => setNotifyError(e.message) },
    );
  }, [notifying, connectorId, peripheralId, service, characteristic]);

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
        {canNotify && (
          <label className="small">
            <input
              type="checkbox"
              data-testid="gatt-notify"
              checked={notifying}
              onChange={(e) => setNotifying(e.target.checked)}
            />{' '}
            Notify
          </label>
        )}
      </div>
      {value && (
        <div className="gatt-value small" data-testid="gatt-value">
          <ValueText value={value} />
        </div>
      )}
      {message && <div className="small muted">{message}</div>}
      {(notifying || notifications.length > 0) && (
        <div className="small" data-testid="gatt-notifications" data-state={notifying ? 'on' : 'off'}>
          {!notifying && <div className="muted">stopped; the last values:</div>}
          {notifying && notifyError && <div className="flagged">{notifyError}</div>}
          {notifications.length === 0 && !notifyError && (
            <div className="muted">waiting for notifications…</div>
          )}
          {dropped > 0 && (
            <div className="muted">{dropped} values not shown (arriving faster than 10 a second)</div>
          )}
          <ul className="gatt-notifications">
            {notifications.map((n) => (
              <li key={n.seq} data-testid="gatt-notification" data-ts={n.ts}>
                <span className="mono muted">{formatDateTime(n.ts, true).slice(11)}</span>{' '}
                <ValueText value={n} />
              </li>
            ))}
          </ul>
        </div>
      )}
    </li>
  );
}

function ValueText({ value }: { value: GattValue }) {
  return (
    <>
      {value.error && <span className="flagged">{value.error} </span>}
      {value.decoded && (
        <strong className={value.decoded.invalid ? 'flagged' : undefined}>
          {value.decoded.metric}:{' '}
          {value.decoded.invalid
            ? `invalid (${value.decoded.invalid})`
            : formatWithUnit(value.decoded.value, value.decoded.unit)}{' '}
        </strong>
      )}
      {/* a number that happens to be printable bytes (87 % is "W") is not text */}
      {value.text !== null && !value.decoded && <span>“{value.text}” </span>}
      <span className="mono muted">{value.hex}</span>
    </>
  );
}
