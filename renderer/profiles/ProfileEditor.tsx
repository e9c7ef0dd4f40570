/**
 * One profile's form: id and name, its metrics (unit, range, rate limit, reporting
 * interval, stuck-sensor count) and the BLE mapping of vendor characteristics to them.
 * Each field says what is wrong under it, checked here first and then by the engine's own
 * schema; a built-in is shown read-only with a way to duplicate it.
 */
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { GATT_FIELD_TYPES } from '../../common/gatt-field-types';
import { type ProfileIssue, ProfileIssueSchema } from '../../common/profiles-contract';
import { RpcError } from '../../common/protocol';
import { engine } from '../rpc/engine';
import { Field } from '../tools/Field';
import { FormActions, type FormOutcome } from '../tools/FormActions';
import { errorMessage } from '../tools/use-poll';
import {
  definitionFromForm,
  emptyMapping,
  emptyMetric,
  errorsFromIssues,
  type FirmwareFields,
  type FormErrors,
  type MappingRow,
  type MetricRow,
  type ProfileForm,
} from './profile-form';

export type EditorMode = 'create' | 'edit' | 'view';

const METRIC_FIELDS: { field: Exclude<keyof MetricRow, 'key'>; label: string; numeric?: boolean }[] = [
  { field: 'name', label: 'Metric' },
  { field: 'label', label: 'Label' },
  { field: 'unit', label: 'Unit' },
  { field: 'min', label: 'Min', numeric: true },
  { field: 'max', label: 'Max', numeric: true },
  { field: 'maxRatePerSec', label: 'Max change /s', numeric: true },
  { field: 'expectedIntervalMs', label: 'Interval ms', numeric: true },
  { field: 'stuckAfterSamples', label: 'Stuck after', numeric: true },
];

const MAPPING_NUMBERS: {
  field: 'byteOffset' | 'length' | 'scale' | 'offset' | 'notAvailable';
  label: string;
}[] = [
  { field: 'byteOffset', label: 'Byte offset' },
  { field: 'length', label: 'Length' },
  { field: 'scale', label: 'Scale' },
  { field: 'offset', label: 'Offset' },
  { field: 'notAvailable', label: 'Not available' },
];

function FieldError({ id, text }: { id: string; text: string | undefined }) {
  return text ? (
    <span className="field-error" id={id}>
      {text}
    </span>
  ) : null;
}

/** aria-invalid and the error's id, for an input whose error sits under it */
function invalidProps(errors: FormErrors, key: string) {
  return errors[key] ? { 'aria-invalid': true, 'aria-describedby': `err-${key}` } : {};
}

/** A table of rows in the form (metrics or mappings) and how it reports an edit. */
interface RowsProps<R> {
  form: ProfileForm;
  errors: FormErrors;
  readOnly: boolean;
  onChange(rows: R[]): void;
}

function MetricsTable({ form, errors, readOnly, onChange }: RowsProps<MetricRow>) {
  const set = (i: number, field: keyof MetricRow, value: string) =>
    onChange(form.metrics.map((m, j) => (j === i ? { ...m, [field]: value } : m)));
  return (
    <table className="grid profile-rows" data-testid="profile-metrics">
      <thead>
        <tr>
          {METRIC_FIELDS.map((f) => (
            <th key={f.field}>{f.label}</th>
          ))}
          <th>
            <span className="visually-hidden">Remove</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {form.metrics.map((m, i) => (
          <tr key={m.key} data-testid="profile-metric-row">
            {METRIC_FIELDS.map(({ field, label, numeric }) => {
              const key = `metric.${i}.${field}`;
              return (
                <td key={field}>
                  <input
                    value={m[field]}
                    aria-label={`Metric ${i + 1} ${label.toLowerCase()}`}
                    inputMode={numeric ? 'decimal' : undefined}
                    readOnly={readOnly}
                    onChange={(e) => set(i, field, e.target.value)}
                    data-testid={`metric-${i}-${field}`}
                    {...invalidProps(errors, key)}
                  />
                  <FieldError id={`err-${key}`} text={errors[key]} />
                </td>
              );
            })}
            <td>
              {!readOnly && (
                <button
                  type="button"
                  className="small-button"
                  aria-label={`Remove metric ${i + 1}`}
                  onClick={() => onChange(form.metrics.filter((_, j) => j !== i))}
                >
                  ✕
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

type MappingText =
  | 'service'
  | 'characteristic'
  | 'byteOffset'
  | 'length'
  | 'scale'
  | 'offset'
  | 'notAvailable';
type MappingChoice = 'metric' | 'type' | 'endian';

/** One mapping field: a text input or a select, its label, and its error under it. */
type MappingField =
  | { kind: 'text'; field: MappingText; label: string; hint?: string; placeholder?: string; mono?: boolean }
  | { kind: 'select'; field: MappingChoice; label: string };

const MAPPING_FIELDS: MappingField[] = [
  {
    kind: 'text',
    field: 'service',
    label: 'Service UUID',
    hint: 'optional',
    placeholder: '7e1a0001-5f3c-4b8e-9a61-2f0c3d4e5a01',
    mono: true,
  },
  {
    kind: 'text',
    field: 'characteristic',
    label: 'Characteristic UUID',
    placeholder: '2A6E or a 128-bit UUID',
    mono: true,
  },
  { kind: 'select', field: 'metric', label: 'Metric' },
  { kind: 'select', field: 'type', label: 'Type' },
  { kind: 'select', field: 'endian', label: 'Byte order' },
  ...MAPPING_NUMBERS.map((n) => ({ kind: 'text' as const, ...n })),
];

function choicesFor(field: MappingChoice, row: MappingRow, metricNames: string[]): [string, string][] {
  if (field === 'type') return GATT_FIELD_TYPES.map((t) => [t, t]);
  if (field === 'endian')
    return [
      ['', 'little (default)'],
      ['little', 'little'],
      ['big', 'big'],
    ];
  const names = [...new Set([...metricNames, ...(row.metric ? [row.metric] : [])])];
  return [['', 'choose…'], ...names.map((n): [string, string] => [n, n])];
}

function MappingsTable({ form, errors, readOnly, onChange }: RowsProps<MappingRow>) {
  const set = (i: number, patch: Partial<MappingRow>) =>
    onChange(form.mappings.map((m, j) => (j === i ? { ...m, ...patch } : m)));
  const metricNames = form.metrics.map((m) => m.name.trim()).filter((n) => n !== '');
  return (
    <div className="profile-mappings">
      {form.mappings.map((m, i) => (
        <fieldset
          key={m.key}
          className="profile-mapping"
          data-testid="profile-mapping-row"
          disabled={readOnly}
        >
          <legend>Mapping {i + 1}</legend>
          {MAPPING_FIELDS.map((f) => {
            const key = `mapping.${i}.${f.field}`;
            const common = {
              value: m[f.field],
              'data-testid': `mapping-${i}-${f.field}`,
              ...invalidProps(errors, key),
            };
            return (
              <Field key={f.field} label={f.label} hint={f.kind === 'text' ? f.hint : undefined}>
                {f.kind === 'text' ? (
                  <input
                    {...common}
                    className={f.mono ? 'mono' : undefined}
                    placeholder={f.placeholder}
                    onChange={(e) => set(i, { [f.field]: e.target.value })}
                  />
                ) : (
                  <select {...common} onChange={(e) => set(i, { [f.field]: e.target.value })}>
                    {choicesFor(f.field, m, metricNames).map(([value, label]) => (
                      <option key={value} value={value}>
                        {label}
                      </option>
                    ))}
                  </select>
                )}
                <FieldError id={`err-${key}`} text={errors[key]} />
              </Field>
            );
          })}
          {!readOnly && (
            <button
              type="button"
              className="small-button"
              onClick={() => onChange(form.mappings.filter((_, j) => j !== i))}
            >
              Remove mapping {i + 1}
            </button>
          )}
        </fieldset>
      ))}
    </div>
  );
}

function AddRow({ label, testId, onAdd }: { label: string; testId: string; onAdd(): void }) {
  return (
    <button type="button" className="small-button" onClick={onAdd} data-testid={testId}>
      {label}
    </button>
  );
}

function issuesOf(error: unknown): ProfileIssue[] | null {
  if (!(error instanceof RpcError)) return null;
  const parsed = ProfileIssueSchema.array().safeParse(error.details);
  return parsed.success ? parsed.data : null;
}

const FIRMWARE_INPUTS: {
  key: 'classId' | 'vendorId' | 'chip' | 'project';
  kind: FirmwareFields['kind'];
  label: string;
  hint: string;
  placeholder: string;
}[] = [
  {
    key: 'classId',
    kind: 'mcuboot',
    label: 'Image class UUID',
    hint: 'imgtool sign --cid',
    placeholder: 'b09a6f29-c731-5c02-8f19-15fa59388995',
  },
  {
    key: 'vendorId',
    kind: 'mcuboot',
    label: 'Vendor UUID',
    hint: 'imgtool sign --vid; optional',
    placeholder: '',
  },
  { key: 'chip', kind: 'espIdf', label: 'Chip', hint: 'as in the image header', placeholder: 'ESP32-C3' },
  {
    key: 'project',
    kind: 'espIdf',
    label: 'Project',
    hint: 'esp_app_desc_t project_name',
    placeholder: 'my-sensor',
  },
];

/** Which hardware the model is: images are offered, flashed and rolled out only where they fit. */
function FirmwareTarget({
  value,
  errors,
  readOnly,
  onChange,
}: {
  value: FirmwareFields;
  errors: FormErrors;
  readOnly: boolean;
  onChange(change: Partial<FirmwareFields>): void;
}) {
  return (
    <>
      <h3 className="detail-heading">Firmware target</h3>
      <div className="form-grid">
        <Field label="Hardware" hint="images for other hardware are never sent to these devices">
          <select
            value={value.kind}
            disabled={readOnly}
            onChange={(e) => onChange({ kind: e.target.value as FirmwareFields['kind'] })}
            data-testid="profile-firmware-kind"
          >
            <option value="">not stated (flashing asks for an override)</option>
            <option value="mcuboot">MCUboot image class</option>
            <option value="espIdf">ESP-IDF chip and project</option>
          </select>
        </Field>
        {FIRMWARE_INPUTS.filter((f) => f.kind === value.kind).map((f) => (
          <Field key={f.key} label={f.label} hint={f.hint}>
            <input
              value={value[f.key]}
              readOnly={readOnly}
              placeholder={f.placeholder}
              onChange={(e) => onChange({ [f.key]: e.target.value })}
              data-testid={`profile-firmware-${f.key}`}
              {...invalidProps(errors, `firmware.${f.key}`)}
            />
            <FieldError id={`err-firmware.${f.key}`} text={errors[`firmware.${f.key}`]} />
          </Field>
        ))}
      </div>
    </>
  );
}

export function ProfileEditor({
  initial,
  mode,
  onSaved,
  onDuplicate,
  onClose,
}: {
  initial: ProfileForm;
  mode: EditorMode;
  onSaved(id: string): void;
  onDuplicate(): void;
  onClose(): void;
}) {
  const [form, setForm] = useState<ProfileForm>(initial);
  const [errors, setErrors] = useState<FormErrors>({});
  const [dirty, setDirty] = useState(false);
  const [saving, setSaving] = useState(false);
  const [outcome, setOutcome] = useState<FormOutcome>(null);
  const readOnly = mode === 'view';
  const formRef = useRef<HTMLFormElement>(null);
  // opened below the list: brought into view, and the keyboard starts in its first field
  // biome-ignore lint/correctness/useExhaustiveDependencies: once, when this editor opens
  useEffect(() => {
    const form = formRef.current;
    form?.scrollIntoView?.({ block: 'start' });
    form?.querySelector<HTMLElement>(readOnly ? 'button' : 'input:not([readonly])')?.focus();
  }, []);
  const edit = (patch: Partial<ProfileForm>) => {
    setForm((f) => ({ ...f, ...patch }));
    setDirty(true);
    setOutcome(null);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const built = definitionFromForm(form);
    if (!built.ok) {
      setErrors(built.errors);
      setOutcome({ kind: 'error', text: 'Some fields need attention: they are marked in red.' });
      return;
    }
    setErrors({});
    setSaving(true);
    engine()
      .request('profiles.save', { definition: built.definition, create: mode === 'create' })
      .then(
        (saved) => {
          setDirty(false);
          setOutcome({ kind: 'ok', text: 'Saved. Devices with this profile use it now.' });
          onSaved(saved.id);
        },
        (e: unknown) => {
          const issues = issuesOf(e);
          if (issues) setErrors(errorsFromIssues(form, issues));
          setOutcome({ kind: 'error', text: `Could not save: ${errorMessage(e)}` });
        },
      )
      .finally(() => setSaving(false));
  };
  const rows = { form, errors, readOnly };
  const title =
    mode === 'create' ? 'New profile' : `${readOnly ? 'Built-in profile' : 'Edit profile'} ${form.id}`;
  return (
    <form
      ref={formRef}
      className="panel profile-editor"
      onSubmit={submit}
      noValidate
      data-testid="profile-editor"
    >
      <div className="toolbar">
        <h2 className="section-title">{title}</h2>
        {readOnly && (
          <>
            <span className="muted">Built-in profiles are read-only.</span>
            <button type="button" onClick={onDuplicate} data-testid="profile-duplicate-open">
              Duplicate to edit
            </button>
          </>
        )}
        <button
          type="button"
          className="small-button detail-close"
          onClick={onClose}
          aria-label="Close editor"
        >
          ✕
        </button>
      </div>
      <div className="form-grid">
        <Field
          label="Id"
          hint={mode === 'create' ? 'lower-case, digits and dashes; fixed once saved' : undefined}
        >
          <input
            value={form.id}
            readOnly={mode !== 'create'}
            onChange={(e) => edit({ id: e.target.value })}
            data-testid="profile-id"
            {...invalidProps(errors, 'id')}
          />
          <FieldError id="err-id" text={errors.id} />
        </Field>
        <Field label="Name">
          <input
            value={form.name}
            readOnly={readOnly}
            onChange={(e) => edit({ name: e.target.value })}
            data-testid="profile-name"
            {...invalidProps(errors, 'name')}
          />
          <FieldError id="err-name" text={errors.name} />
        </Field>
      </div>
      <FirmwareTarget
        value={form.firmware}
        errors={errors}
        readOnly={readOnly}
        onChange={(change) => edit({ firmware: { ...form.firmware, ...change } })}
      />
      <h3 className="detail-heading">Metrics</h3>
      <MetricsTable {...rows} onChange={(metrics) => edit({ metrics })} />
      {!readOnly && (
        <AddRow
          label="+ Add metric"
          testId="profile-add-metric"
          onAdd={() => edit({ metrics: [...form.metrics, emptyMetric()] })}
        />
      )}
      <h3 className="detail-heading">Bluetooth mapping</h3>
      <p className="muted small">
        Vendor GATT characteristics that carry a metric: value = raw × scale + offset.
      </p>
      <MappingsTable {...rows} onChange={(mappings) => edit({ mappings })} />
      {!readOnly && (
        <AddRow
          label="+ Add BLE mapping"
          testId="profile-add-mapping"
          onAdd={() =>
            edit({ mappings: [...form.mappings, emptyMapping(form.metrics[0]?.name.trim() ?? '')] })
          }
        />
      )}
      {errors.form && (
        <p className="form-error" role="alert">
          {errors.form}
        </p>
      )}
      {!readOnly && (
        <FormActions
          saveLabel={mode === 'create' ? 'Create profile' : 'Save profile'}
          saving={saving}
          saveDisabled={saving || (!dirty && mode !== 'create')}
          saveTestId="profile-save"
          dirty={dirty}
          onReset={() => {
            setForm(initial);
            setErrors({});
            setDirty(false);
            setOutcome(null);
          }}
          outcome={outcome}
        />
      )}
    </form>
  );
}
