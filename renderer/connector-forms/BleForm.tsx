/** BLE connector fields: which advertisements to keep (name prefix, service UUIDs). */
import type { BleFields } from '../tools/connector-config';
import { Field } from '../tools/Field';

export function BleForm({ value, onChange }: { value: BleFields; onChange(next: BleFields): void }) {
  const set = <K extends keyof BleFields>(key: K, v: BleFields[K]) => onChange({ ...value, [key]: v });
  return (
    <div className="form-grid">
      <Field label="Name prefix" hint="optional, case-insensitive">
        <input
          data-testid="ble-name-prefix"
          value={value.namePrefix}
          onChange={(e) => set('namePrefix', e.target.value)}
        />
      </Field>
      <Field label="Service UUIDs" hint="optional, comma separated (e.g. 180f, 181a)">
        <input
          data-testid="ble-service-uuids"
          value={value.serviceUuids}
          onChange={(e) => set('serviceUuids', e.target.value)}
        />
      </Field>
      <label className="check">
        <input
          type="checkbox"
          data-testid="ble-auto-connect"
          checked={value.autoConnect}
          onChange={(e) => set('autoConnect', e.target.checked)}
        />{' '}
        Connect automatically
      </label>
    </div>
  );
}
