/** The condition part of the rule editor: its kind, then only the fields that kind reads. */
import { SEVERITIES, type Severity } from '../../common/alarm-contract';
import { Field } from '../tools/Field';
import { severityWord } from './alarm-words';
import { LevelsEditor } from './LevelsEditor';
import {
  AGGREGATE_FNS,
  CONDITION_KINDS,
  type ConditionKind,
  LADDER_KINDS,
  type RuleErrors,
  type RuleFields,
  WINDOW_KINDS,
} from './rule-form';

interface Props {
  fields: RuleFields;
  errors: RuleErrors['fields'];
  set(patch: Partial<RuleFields>): void;
}

function SeverityField({ fields, errors, set }: Props) {
  return (
    <Field label="Severity" error={errors.severity}>
      <select value={fields.severity} onChange={(e) => set({ severity: e.target.value as Severity })}>
        {SEVERITIES.map((s) => (
          <option key={s} value={s}>
            {severityWord(s)}
          </option>
        ))}
      </select>
    </Field>
  );
}

function ReferenceFields({ fields, errors, set }: Props) {
  return (
    <>
      <Field label="Deviation from">
        <select
          value={fields.referenceKind}
          onChange={(e) => set({ referenceKind: e.target.value as RuleFields['referenceKind'] })}
        >
          <option value="setpoint">a setpoint</option>
          <option value="series">another series</option>
        </select>
      </Field>
      {fields.referenceKind === 'setpoint' ? (
        <Field label="Setpoint" error={errors.setpoint}>
          <input
            inputMode="decimal"
            value={fields.setpoint}
            onChange={(e) => set({ setpoint: e.target.value })}
          />
        </Field>
      ) : (
        <>
          <Field label="Reference device id" error={errors.referenceDevice}>
            <input
              value={fields.referenceDevice}
              onChange={(e) => set({ referenceDevice: e.target.value })}
            />
          </Field>
          <Field label="Reference metric" error={errors.referenceMetric}>
            <input
              value={fields.referenceMetric}
              onChange={(e) => set({ referenceMetric: e.target.value })}
            />
          </Field>
        </>
      )}
    </>
  );
}

export function ConditionFields(props: Props) {
  const { fields, errors, set } = props;
  const kind = fields.kind;
  return (
    <>
      <div className="form-grid">
        <Field label="Condition" error={errors.kind}>
          <select
            value={kind}
            onChange={(e) => set({ kind: e.target.value as ConditionKind })}
            data-testid="rule-kind"
          >
            {CONDITION_KINDS.map((k) => (
              <option key={k.kind} value={k.kind}>
                {k.label}
              </option>
            ))}
          </select>
        </Field>
        {kind === 'aggregate' && (
          <Field label="Aggregate" error={errors.fn}>
            <select value={fields.fn} onChange={(e) => set({ fn: e.target.value as RuleFields['fn'] })}>
              {AGGREGATE_FNS.map((fn) => (
                <option key={fn} value={fn}>
                  {fn}
                </option>
              ))}
            </select>
          </Field>
        )}
        {WINDOW_KINDS.has(kind) && (
          <Field label="Window (s)" hint="1 m / 1 h / 1 d rollups serve long windows" error={errors.windowS}>
            <input
              inputMode="decimal"
              value={fields.windowS}
              onChange={(e) => set({ windowS: e.target.value })}
            />
          </Field>
        )}
        {kind === 'deviation' && <ReferenceFields {...props} />}
        {kind === 'stale' && (
          <Field label="No reading for (s)" error={errors.afterS}>
            <input
              inputMode="decimal"
              value={fields.afterS}
              onChange={(e) => set({ afterS: e.target.value })}
            />
          </Field>
        )}
        {kind === 'flatline' && (
          <Field label="Tolerance" hint="moves less than this: stuck" error={errors.tolerance}>
            <input
              inputMode="decimal"
              value={fields.tolerance}
              onChange={(e) => set({ tolerance: e.target.value })}
            />
          </Field>
        )}
        {!LADDER_KINDS.has(kind) && <SeverityField {...props} />}
        {kind === 'expression' && (
          <div className="form-wide">
            <Field
              label="Expression (CEL)"
              hint="true raises the alarm; variables: value, prev, ts, device, metrics"
              error={errors.expression}
            >
              <textarea
                rows={2}
                className="mono"
                value={fields.expression}
                onChange={(e) => set({ expression: e.target.value })}
                data-testid="rule-expression"
              />
            </Field>
          </div>
        )}
      </div>
      {kind === 'rate' && <p className="muted small">Limits are in the metric's unit per minute.</p>}
      {LADDER_KINDS.has(kind) && (
        <LevelsEditor levels={fields.levels} errors={errors} onChange={(levels) => set({ levels })} />
      )}
    </>
  );
}
