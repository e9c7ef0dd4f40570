/**
 * Serial connector fields. The port list is polled every second while the form is open
 * so a USB adapter plugged in now shows up within two seconds; ptys and anything else
 * not enumerated can be typed into the path field (the picker only fills it in).
 */
import { BAUD_RATES, SERIAL_FORMATS, type SerialFields } from '../tools/connector-config';
import { Field } from '../tools/Field';
import { SerialPortField } from '../tools/SerialPortField';

export function SerialForm({ value, onChange }: { value: SerialFields; onChange(next: SerialFields): void }) {
  const set = <K extends keyof SerialFields>(key: K, v: SerialFields[K]) => onChange({ ...value, [key]: v });
  return (
    <div className="form-grid">
      <SerialPortField
        path={value.path}
        onPick={(path) => set('path', path)}
        testId="serial-port-picker"
        pollKey="serial-ports"
      />
      <Field label="Path">
        <input
          data-testid="serial-path"
          value={value.path}
          placeholder="/dev/ttyUSB0"
          onChange={(e) => set('path', e.target.value)}
        />
      </Field>
      <Field label="Baud rate">
        <input
          list="baud-rates"
          inputMode="numeric"
          value={value.baudRate}
          onChange={(e) => set('baudRate', e.target.value)}
        />
        <datalist id="baud-rates">
          {BAUD_RATES.map((b) => (
            <option key={b} value={b} />
          ))}
        </datalist>
      </Field>
      <Field label="Format">
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
      <Field label="Data bits">
        <select
          value={value.dataBits}
          onChange={(e) => set('dataBits', e.target.value as SerialFields['dataBits'])}
        >
          {['5', '6', '7', '8'].map((b) => (
            <option key={b}>{b}</option>
          ))}
        </select>
      </Field>
      <Field label="Parity">
        <select
          value={value.parity}
          onChange={(e) => set('parity', e.target.value as SerialFields['parity'])}
        >
          {['none', 'even', 'odd'].map((p) => (
            <option key={p}>{p}</option>
          ))}
        </select>
      </Field>
      <Field label="Stop bits">
        <select
          value={value.stopBits}
          onChange={(e) => set('stopBits', e.target.value as SerialFields['stopBits'])}
        >
          <option>1</option>
          <option>2</option>
        </select>
      </Field>
      <Field label="Flow control">
        <select
          value={value.flowControl}
          onChange={(e) => set('flowControl', e.target.value as SerialFields['flowControl'])}
        >
          {['none', 'rtscts', 'xonxoff'].map((f) => (
            <option key={f}>{f}</option>
          ))}
        </select>
      </Field>
      <Field label="Device id" hint="for lines that name no device">
        <input
          data-testid="serial-device-id"
          value={value.deviceId}
          onChange={(e) => set('deviceId', e.target.value)}
        />
      </Field>
      <Field label="Profile" hint="optional, from resources/profiles">
        <input value={value.profile} onChange={(e) => set('profile', e.target.value)} />
      </Field>
    </div>
  );
}
