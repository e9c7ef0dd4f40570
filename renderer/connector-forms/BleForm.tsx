/** BLE connector fields: which advertisements to keep (name prefix, service UUIDs). */
import { type BleFields, type FieldErrors, BLE_LABELS as L, LIMITS } from '../tools/connector-config';
import { Field } from '../tools/Field';

interface Props {
  value: BleFields;
  onChange(next: BleFields): void;
  errors?: FieldErrors;
}

export function BleForm({ value, onChange, errors = {} }: Props) {
  const set = <K extends keyof BleFields>(key: K, v: BleFields[K]) => onChange({ ...value, [key]: v });
  return (
    <div className="form-grid">
      <Field label={L.namePrefix} hint="optional, case-insensitive" error={errors.namePrefix}>
        <input
          data-testid="ble-name-prefix"
          value={value.namePrefix}
          maxLength={LIMITS.namePrefix}
          onChange={(e) => set('namePrefix', e.target.value)}
        />
      </Field>
      <Field
        label={L.serviceUuids}
        hint="optional, comma separated: 16-bit (180F, 0x181A) or 128-bit"
        error={errors.serviceUuids}
      >
        <input
          data-testid="ble-service-uuids"
          value={value.serviceUuids}
          maxLength={LIMITS.serviceUuidsText}
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
