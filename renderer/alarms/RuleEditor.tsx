/**
 * Edits one rule: target, condition, timing (on/off delays, N of M, latching), labels and
 * mode, with a live preview of the rule in words and, for one device, on its chart, and a
 * backtest over stored history before saving. Checked with the contract's schema as it
 * is typed; errors show beside their fields once Save was pressed, and the engine's own
 * refusal (an expression that does not type-check against the profile) lands there too.
 */
import { type FormEvent, useMemo, useState } from 'react';
import type { BacktestResult, RuleSummary } from '../../common/alarm-contract';
import { engine } from '../rpc/engine';
import { Field } from '../tools/Field';
import { FormActions, type FormOutcome } from '../tools/FormActions';
import { formErrorsFromError, hasErrors, noErrors } from '../tools/form-errors';
import { BacktestPanel } from './BacktestPanel';
import { ConditionFields } from './ConditionFields';
import { RulePreviewChart } from './RulePreviewChart';
import {
  fieldOfPath,
  type RuleErrors,
  type RuleFieldKey,
  type RuleFields,
  ruleFromFields,
} from './rule-form';
import { ruleText } from './rule-summary';

/** the engine's issue paths start at the request's params: "rule.condition.levels.0" */
const engineFieldOf = (path: string) => (path.startsWith('rule.') ? fieldOfPath(path.slice(5)) : null);

/** what every section of the editor is given: the fields, their errors, and a setter */
interface SectionProps {
  fields: RuleFields;
  errors: RuleErrors['fields'];
  set(p: Partial<RuleFields>): void;
}

function Timing({ fields, errors, set }: SectionProps) {
  return (
    <div className="form-grid">
      <Field label="On-delay (s)" hint="holds this long before raising" error={errors.onDelayS}>
        <input
          inputMode="decimal"
          value={fields.onDelayS}
          onChange={(e) => set({ onDelayS: e.target.value })}
          data-testid="rule-on-delay"
        />
      </Field>
      <Field label="Off-delay (s)" hint="gone this long before clearing" error={errors.offDelayS}>
        <input
          inputMode="decimal"
          value={fields.offDelayS}
          onChange={(e) => set({ offDelayS: e.target.value })}
        />
      </Field>
      <Field
        label="Late tolerance (s)"
        hint="older readings are evaluated and marked late"
        error={errors.lateToleranceS}
      >
        <input
          inputMode="decimal"
          value={fields.lateToleranceS}
          onChange={(e) => set({ lateToleranceS: e.target.value })}
        />
      </Field>
      <div className="field">
        <label className="check">
          <input
            type="checkbox"
            checked={fields.confirm}
            onChange={(e) => set({ confirm: e.target.checked })}
          />
          raise only when N of the last M samples hold
        </label>
        {fields.confirm && (
          <div className="alarm-n-of-m">
            <Field label="N" error={errors.confirmN}>
              <input
                inputMode="numeric"
                value={fields.confirmN}
                onChange={(e) => set({ confirmN: e.target.value })}
              />
            </Field>
            <Field label="of M" error={errors.confirmM}>
              <input
                inputMode="numeric"
                value={fields.confirmM}
                onChange={(e) => set({ confirmM: e.target.value })}
              />
            </Field>
          </div>
        )}
      </div>
      <label className="check">
        <input
          type="checkbox"
          checked={fields.latching}
          onChange={(e) => set({ latching: e.target.checked })}
        />
        latching: stays active until acknowledged
      </label>
    </div>
  );
}

function Target({ fields, errors, set }: SectionProps) {
  return (
    <div className="form-grid">
      <Field label="Device ids" hint="comma separated; empty: any" error={errors.deviceIds}>
        <input
          value={fields.deviceIds}
          onChange={(e) => set({ deviceIds: e.target.value })}
          data-testid="rule-devices"
        />
      </Field>
      <Field label="Site" error={errors.site}>
        <input value={fields.site} onChange={(e) => set({ site: e.target.value })} />
      </Field>
      <Field label="Profile" error={errors.profile}>
        <input value={fields.profile} onChange={(e) => set({ profile: e.target.value })} />
      </Field>
      <Field label="Tag" error={errors.tag}>
        <input value={fields.tag} onChange={(e) => set({ tag: e.target.value })} />
      </Field>
      {fields.kind !== 'offline' && (
        <Field label="Metric" error={errors.metric}>
          <input
            value={fields.metric}
            onChange={(e) => set({ metric: e.target.value })}
            data-testid="rule-metric"
          />
        </Field>
      )}
    </div>
  );
}

export function RuleEditor({
  initial,
  isNew,
  onSaved,
  onClose,
}: {
  initial: RuleFields;
  isNew: boolean;
  onSaved(summary: RuleSummary): void;
  onClose(): void;
}) {
  const [fields, setFields] = useState(initial);
  const [submitted, setSubmitted] = useState(false);
  const [engineErrors, setEngineErrors] = useState<RuleErrors>(noErrors());
  const [saving, setSaving] = useState(false);
  const [outcome, setOutcome] = useState<FormOutcome>(null);
  const [backtest, setBacktest] = useState<BacktestResult | null>(null);
  const checked = useMemo(() => ruleFromFields(fields), [fields]);
  const set = (patch: Partial<RuleFields>) => {
    setFields((f) => ({ ...f, ...patch }));
    // a backtest speaks for the draft it ran on, not for an edited one
    setBacktest(null);
    setEngineErrors(noErrors());
    setOutcome(null);
  };
  const shown: RuleErrors = submitted && checked.errors ? checked.errors : engineErrors;
  const errors = shown.fields as Partial<Record<RuleFieldKey, string>>;

  const save = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (!checked.rule) {
      setOutcome({ kind: 'error', text: 'Not saved: fix the fields marked in red.' });
      return;
    }
    setSaving(true);
    engine()
      .request('alarms.rules.save', { rule: checked.rule })
      .then(
        (summary) => {
          setSaving(false);
          setOutcome({ kind: 'ok', text: `Saved version ${summary.version}.` });
          onSaved(summary);
        },
        (error: unknown) => {
          setSaving(false);
          const mapped = formErrorsFromError<RuleFieldKey>(error, engineFieldOf);
          setEngineErrors(mapped);
          setOutcome({
            kind: 'error',
            text:
              hasErrors(mapped) && mapped.other.length === 0
                ? 'Not saved: see the fields marked in red.'
                : `Not saved: ${mapped.other.join('; ')}`,
          });
        },
      );
  };

  return (
    <form
      className="panel rule-editor"
      onSubmit={save}
      noValidate
      data-testid="rule-editor"
      aria-labelledby="rule-editor-title"
    >
      <div className="toolbar">
        <h2 id="rule-editor-title" className="section-title">
          {isNew ? 'New rule' : `Edit “${initial.name}”`}
        </h2>
        <button type="button" className="small-button" onClick={onClose}>
          Close
        </button>
      </div>
      <div className="form-grid">
        <Field label="Name" error={errors.name}>
          <input
            value={fields.name}
            onChange={(e) => set({ name: e.target.value })}
            data-testid="rule-name"
          />
        </Field>
        <Field
          label="Rule id"
          hint={isNew ? 'letters, digits, - and _; fixed once saved' : 'fixed'}
          error={errors.id}
        >
          <input
            value={fields.id}
            readOnly={!isNew}
            onChange={(e) => set({ id: e.target.value })}
            data-testid="rule-id"
          />
        </Field>
        <Field label="Mode" hint="shadow: evaluate and journal, never notify or act" error={errors.mode}>
          <select
            value={fields.mode}
            onChange={(e) => set({ mode: e.target.value as RuleFields['mode'] })}
            data-testid="rule-mode"
          >
            <option value="live">live</option>
            <option value="shadow">shadow</option>
          </select>
        </Field>
        <label className="check">
          <input
            type="checkbox"
            checked={fields.enabled}
            onChange={(e) => set({ enabled: e.target.checked })}
          />
          enabled
        </label>
        <div className="form-wide">
          <Field label="Description" error={errors.description}>
            <textarea
              rows={2}
              value={fields.description}
              onChange={(e) => set({ description: e.target.value })}
            />
          </Field>
        </div>
      </div>
      <h3 className="rule-section">Target</h3>
      <Target fields={fields} errors={errors} set={set} />
      <h3 className="rule-section">Condition</h3>
      <ConditionFields fields={fields} errors={errors} set={set} />
      <h3 className="rule-section">Timing</h3>
      <Timing fields={fields} errors={errors} set={set} />
      <div className="form-grid">
        <div className="form-wide">
          <Field
            label="Labels"
            hint="one name=value a line, for notification routing (team=ops)"
            error={errors.labels}
          >
            <textarea
              rows={2}
              className="mono"
              value={fields.labels}
              onChange={(e) => set({ labels: e.target.value })}
            />
          </Field>
        </div>
      </div>
      {fields.actions.length > 0 && (
        <p className="muted small">
          {fields.actions.length} edge action{fields.actions.length === 1 ? '' : 's'} (
          {fields.actions.map((a) => a.kind).join(', ')}) kept as they are.
        </p>
      )}
      <p className="rule-preview" data-testid="rule-preview">
        <strong>Preview: </strong>
        {checked.rule ? ruleText(checked.rule) : 'complete the fields to see what the rule will do.'}
      </p>
      <BacktestPanel rule={checked.rule} result={backtest} onResult={setBacktest} />
      <RulePreviewChart
        deviceIds={fields.deviceIds}
        metric={fields.metric}
        rule={checked.rule}
        backtest={backtest}
      />
      {shown.other.length > 0 && (
        <ul className="error-list form-error" role="alert">
          {shown.other.map((o) => (
            <li key={o}>{o}</li>
          ))}
        </ul>
      )}
      <FormActions
        saveLabel={isNew ? 'Create rule' : 'Save rule'}
        saving={saving}
        saveTestId="rule-save"
        dirty={fields !== initial}
        onReset={() => {
          setFields(initial);
          setBacktest(null);
          setSubmitted(false);
          setEngineErrors(noErrors());
          setOutcome(null);
        }}
        outcome={outcome}
      />
    </form>
  );
}
