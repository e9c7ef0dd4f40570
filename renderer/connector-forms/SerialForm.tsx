/**
 * Serial connector fields. The port list is polled every second while the form is open
 * so a USB adapter plugged in now shows up within two seconds; ptys and anything else
 * not enumerated can be typed into the path field (the picker only fills it in).
 */
import {
  BAUD_MAX,
  BAUD_MIN,
  BAUD_RATES,
  type FieldErrors,
  SERIAL_LABELS as L,
  LIMITS,
  SERIAL_FORMATS,
  type SerialFields,
} from '../tools/connector-config';
import { Field } from '../tools/Field';
import { SerialPortField } from '../tools/SerialPortField';

interface Props {
  value: SerialFields;
  onChange(next: SerialFields): void;
  errors?: FieldErrors;
}

export function SerialForm({ value, onChange, errors = {} }: Props) {
  const set = <K extends keyof SerialFields>(key: K, v: SerialFields[K]) => onChange({ ...value, [key]: v });
  return (
    <div className="form-grid">
      <SerialPortField
        path={value.path}
        onPick={(path) => set('path', path)}
        testId="serial-port-picker"
        pollKey="serial-ports"
      />
      <Field label={L.path} error={errors.path}>
        <input
          data-testid="serial-path"
          value={value.path}
          maxLength={LIMITS.path}
          placeholder="/dev/ttyUSB0"
          onChange={(e) => set('path', e.target.value)}
        />
      </Field>
      <Field label={L.baudRate} error={errors.baudRate}>
        <input
          list="baud-rates"
          inputMode="numeric"
          data-testid="serial-baud-rate"
          title={`${BAUD_MIN} to ${BAUD_MAX}`}
          value={value.baudRate}
          onChange={(e) => set('baudRate', e.target.value)}
        />
        <datalist id="baud-rates">
          {BAUD_RATES.map((b) => (
            <option key={b} value={b} />
          ))}
        </datalist>
      </Field>
      <Field label={L.format} error={errors.format}>
        <select
          data-testid="serial-format"
          value={value.format}
          onChange={(e) => set('format', e.target.value as SerialFields['format'])}
        >
          {SERIAL_FORMATS.map((f) => (
            <option key={f} value={f}>
              {f}
            </option>
          ))}
        </select>
      </Field>
      <Field label={L.dataBits} error={errors.dataBits}>
        <select
          value={value.dataBits}
          onChange={(e) => set('dataBits', e.target.value as SerialFields['dataBits'])}
        >
          {['5', '6', '7', '8'].map((b) => (
            <option key={b}>{b}</option>
          ))}
        </select>
      </Field>
      <Field label={L.parity} error={errors.parity}>
        <select
          value={value.parity}
          onChange={(e) => set('parity', e.target.value as SerialFields['parity'])}
        >
          {['none', 'even', 'odd'].map((p) => (
            <option key={p}>{p}</option>
          ))}
        </select>
      </Field>
      <Field label={L.stopBits} error={errors.stopBits}>
        <select
          value={value.stopBits}
          onChange={(e) => set('stopBits', e.target.value as SerialFields['stopBits'])}
        >
          <option>1</option>
          <option>2</option>
        </select>
      </Field>
      <Field label={L.flowControl} error={errors.flowControl}>
        <select
          value={value.flowControl}
          onChange={(e) => set('flowControl', e.target.value as SerialFields['flowControl'])}
        >
          {['none', 'rtscts', 'xonxoff'].map((f) => (
            <option key={f}>{f}</option>
          ))}
        </select>
      </Field>
      <Field label={L.deviceId} hint="for lines that name no device" error={errors.deviceId}>
        <input
          data-testid="serial-device-id"
          value={value.deviceId}
          maxLength={LIMITS.deviceId}
          onChange={(e) => set('deviceId', e.target.value)}
        />
      </Field>
      <Field label={L.profile} hint="optional, from resources/profiles" error={errors.profile}>
        <input
          value={value.profile}
          maxLength={LIMITS.profile}
          onChange={(e) => set('profile', e.target.value)}
        />
      </Field>
    </div>
  );
}
