/**
 * The MQTT form's payload mapping: for one topic template at a time, rows of field path →
 * metric, unit, scale, offset, plus where the device time and id are. A problem shows
 * under the rows as soon as it is typed; Add refuses the form with the same words.
 */
import { useState } from 'react';
import { Field } from '../tools/Field';
import {
  buildMapping,
  emptyMapping,
  emptyRow,
  isEmptyMapping,
  type MappingFields,
  type MappingRow,
} from '../tools/payload-mapping-fields';

interface Props {
  /** the template lines as typed, trimmed, without empty ones */
  templates: readonly string[];
  value: Record<string, MappingFields>;
  onChange(next: Record<string, MappingFields>): void;
}

const COLUMNS: { key: keyof MappingRow; label: string; placeholder: string }[] = [
  { key: 'path', label: 'Field path', placeholder: 'SI7021.Temperature' },
  { key: 'metric', label: 'Metric', placeholder: 'temperature' },
  { key: 'unit', label: 'Unit', placeholder: '°C' },
  { key: 'scale', label: 'Scale', placeholder: '1' },
  { key: 'offset', label: 'Offset', placeholder: '0' },
];

export function PayloadMappingEditor({ templates, value, onChange }: Props) {
  const [chosen, setChosen] = useState<string | undefined>(undefined);
  const [focusRow, setFocusRow] = useState<number | null>(null);
  // open at first when editing a connector that has mappings; after that the user decides
  const [startOpen] = useState(() => Object.keys(value).length > 0);
  const template = chosen !== undefined && templates.includes(chosen) ? chosen : templates[0];
  const mapped = templates.filter((t) => value[t] !== undefined && buildMapping(value[t]).ok);
  // a template line edited after its mapping was made: say so rather than drop it silently
  const orphaned = Object.keys(value).filter((t) => !templates.includes(t) && !isEmptyMapping(value[t]!));

  if (template === undefined) {
    return (
      <details className="form-wide payload-mapping" data-testid="payload-mapping">
        <summary>Payload mapping</summary>
        <p className="empty">Add a topic template first.</p>
      </details>
    );
  }
  const mapping = value[template] ?? emptyMapping();
  const set = (next: MappingFields) => onChange({ ...value, [template]: next });
  const setRow = (i: number, row: MappingRow) =>
    set({ ...mapping, rows: mapping.rows.map((r, k) => (k === i ? row : r)) });
  const check = buildMapping(mapping);

  return (
    <details className="form-wide payload-mapping" data-testid="payload-mapping" open={startOpen}>
      <summary>
        Payload mapping{mapped.length > 0 ? ` (${mapped.length} of ${templates.length} templates)` : ''}
      </summary>
      <p className="muted small">
        Without a mapping every number, true/false and ON/OFF in a JSON payload is a reading, nested keys
        joined with dots (SI7021.Temperature). With rows, only those fields are stored, as the metric you
        name.
      </p>
      <div className="form-grid">
        <Field label="Topic template">
          <select data-testid="mapping-template" value={template} onChange={(e) => setChosen(e.target.value)}>
            {templates.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <table className="grid mapping-table" aria-label={`Payload mapping of ${template}`}>
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <th key={c.key}>{c.label}</th>
            ))}
            <th>
              <span className="visually-hidden">Remove</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {mapping.rows.map((row, i) => (
            // rows have no identity of their own; the index is what the user sees as "row n"
            // biome-ignore lint/suspicious/noArrayIndexKey: see above
            <tr key={i} data-testid="mapping-row">
              {COLUMNS.map((c, k) => (
                <td key={c.key}>
                  <input
                    aria-label={`Row ${i + 1} ${c.label.toLowerCase()}`}
                    className={c.key === 'path' ? 'mono' : undefined}
                    placeholder={c.placeholder}
                    inputMode={c.key === 'scale' || c.key === 'offset' ? 'decimal' : undefined}
                    // biome-ignore lint/a11y/noAutofocus: the row the user just added with the keyboard
                    autoFocus={k === 0 && focusRow === i}
                    value={row[c.key]}
                    onChange={(e) => setRow(i, { ...row, [c.key]: e.target.value })}
                  />
                </td>
              ))}
              <td>
                <button
                  type="button"
                  className="small-button"
                  aria-label={`Remove row ${i + 1}`}
                  onClick={() => set({ ...mapping, rows: mapping.rows.filter((_, k) => k !== i) })}
                >
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <button
        type="button"
        className="small-button mapping-add"
        data-testid="mapping-add-row"
        onClick={() => {
          setFocusRow(mapping.rows.length);
          set({ ...mapping, rows: [...mapping.rows, emptyRow()] });
        }}
      >
        Add field
      </button>
      <div className="form-grid">
        <Field label="Time field" hint="empty: a top-level ts, time, timestamp, Epoch or Time">
          <input
            className="mono"
            data-testid="mapping-time-field"
            disabled={mapping.arrivalTime}
            value={mapping.timeField}
            onChange={(e) => set({ ...mapping, timeField: e.target.value })}
          />
        </Field>
        <Field label="Device id field" hint="empty: the topic's {deviceId}">
          <input
            className="mono"
            value={mapping.deviceIdField}
            onChange={(e) => set({ ...mapping, deviceIdField: e.target.value })}
          />
        </Field>
        <label className="check">
          <input
            type="checkbox"
            checked={mapping.arrivalTime}
            onChange={(e) => set({ ...mapping, arrivalTime: e.target.checked, timeField: '' })}
          />{' '}
          Ignore device time (use the arrival time)
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={mapping.keepUnmapped}
            onChange={(e) => set({ ...mapping, keepUnmapped: e.target.checked })}
          />{' '}
          Also store the fields no row names
        </label>
      </div>
      {orphaned.length > 0 && (
        <div className="notice notice-warn" data-testid="mapping-orphaned">
          Not saved: the mapping of {orphaned.join(', ')}, which is no longer in the topic templates. Put the
          template back as it was to keep it.
        </div>
      )}
      {!check.ok && (
        <div className="notice notice-error" role="status" data-testid="mapping-error">
          {check.error}
        </div>
      )}
    </details>
  );
}
