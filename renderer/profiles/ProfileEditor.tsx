/**
 * One profile's form: id and name, its metrics (unit, range, rate limit, reporting
 * interval, stuck-sensor count) and the BLE mapping of vendor characteristics to them.
 * Each field says what is wrong under it, checked here first and then by the engine's own
 * schema; a built-in is shown read-only with a way to duplicate it.
 */
import { type FormEvent, useEffect, useRef, useState } from 'react';
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
  FIELD_TYPES,
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

function MetricsTable({
  form,
  errors,
  readOnly,
  onChange,
}: {
  form: ProfileForm;
  errors: FormErrors;
  readOnly: boolean;
  onChange(metrics: MetricRow[]): void;
}) {
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

function MappingsTable({
  form,
  errors,
  readOnly,
  onChange,
}: {
  form: ProfileForm;
  errors: FormErrors;
  readOnly: boolean;
  onChange(mappings: MappingRow[]): void;
}) {
  const set = (i: number, patch: Partial<MappingRow>) =>
    onChange(form.mappings.map((m, j) => (j === i ? { ...m, ...patch } : m)));
  const metricNames = form.metrics.map((m) => m.name.trim()).filter((n) => n !== '');
  const err = (i: number, field: string) => {
    const key = `mapping.${i}.${field}`;
    return {
      key,
      props: invalidProps(errors, key),
      node: <FieldError id={`err-${key}`} text={errors[key]} />,
    };
  };
  return (
    <div className="profile-mappings">
      {form.mappings.map((m, i) => {
        const n = i + 1;
        const service = err(i, 'service');
        const characteristic = err(i, 'characteristic');
        const metric = err(i, 'metric');
        const type = err(i, 'type');
        return (
          <fieldset
            key={m.key}
            className="profile-mapping"
            data-testid="profile-mapping-row"
            disabled={readOnly}
          >
            <legend>Mapping {n}</legend>
            <Field label="Service UUID" hint="optional">
              <input
                value={m.service}
                className="mono"
                placeholder="7e1a0001-5f3c-4b8e-9a61-2f0c3d4e5a01"
                onChange={(e) => set(i, { service: e.target.value })}
                data-testid={`mapping-${i}-service`}
                {...service.props}
              />
              {service.node}
            </Field>
            <Field label="Characteristic UUID">
              <input
                value={m.characteristic}
                className="mono"
                placeholder="2A6E or a 128-bit UUID"
                onChange={(e) => set(i, { characteristic: e.target.value })}
                data-testid={`mapping-${i}-characteristic`}
                {...characteristic.props}
              />
              {characteristic.node}
            </Field>
            <Field label="Metric">
              <select
                value={m.metric}
                onChange={(e) => set(i, { metric: e.target.value })}
                data-testid={`mapping-${i}-metric`}
                {...metric.props}
              >
                <option value="">choose…</option>
                {[...new Set([...metricNames, ...(m.metric ? [m.metric] : [])])].map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
              </select>
              {metric.node}
            </Field>
            <Field label="Type">
              <select
                value={m.type}
                onChange={(e) => set(i, { type: e.target.value })}
                data-testid={`mapping-${i}-type`}
                {...type.props}
              >
                {FIELD_TYPES.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
              {type.node}
            </Field>
            <Field label="Byte order">
              <select
                value={m.endian}
                onChange={(e) => set(i, { endian: e.target.value as MappingRow['endian'] })}
                data-testid={`mapping-${i}-endian`}
              >
                <option value="">little (default)</option>
                <option value="little">little</option>
                <option value="big">big</option>
              </select>
            </Field>
            {MAPPING_NUMBERS.map(({ field, label }) => {
              const e = err(i, field);
              return (
                <Field key={field} label={label}>
                  <input
                    value={m[field]}
                    inputMode="decimal"
                    onChange={(ev) => set(i, { [field]: ev.target.value })}
                    data-testid={`mapping-${i}-${field}`}
                    {...e.props}
                  />
                  {e.node}
                </Field>
              );
            })}
            {!readOnly && (
              <button
                type="button"
                className="small-button"
                onClick={() => onChange(form.mappings.filter((_, j) => j !== i))}
              >
                Remove mapping {n}
              </button>
            )}
          </fieldset>
        );
      })}
    </div>
  );
}

function issuesOf(error: unknown): ProfileIssue[] | null {
  if (!(error instanceof RpcError)) return null;
  const parsed = ProfileIssueSchema.array().safeParse(error.details);
  return parsed.success ? parsed.data : null;
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
      setOutcome({ kind: 'error', text: 'Some fields need attention (marked below).' });
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
      <h3 className="detail-heading">Metrics</h3>
      <MetricsTable
        form={form}
        errors={errors}
        readOnly={readOnly}
        onChange={(metrics) => edit({ metrics })}
      />
      {!readOnly && (
        <button
          type="button"
          className="small-button"
          onClick={() => edit({ metrics: [...form.metrics, emptyMetric()] })}
          data-testid="profile-add-metric"
        >
          + Add metric
        </button>
      )}
      <h3 className="detail-heading">Bluetooth mapping</h3>
      <p className="muted small">
        Vendor GATT characteristics that carry a metric: value = raw × scale + offset.
      </p>
      <MappingsTable
        form={form}
        errors={errors}
        readOnly={readOnly}
        onChange={(mappings) => edit({ mappings })}
      />
      {!readOnly && (
        <button
          type="button"
          className="small-button"
          onClick={() =>
            edit({ mappings: [...form.mappings, emptyMapping(form.metrics[0]?.name.trim() ?? '')] })
          }
          data-testid="profile-add-mapping"
        >
          + Add BLE mapping
        </button>
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
