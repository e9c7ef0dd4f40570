/**
 * A severity ladder: up to four rungs, each with a limit above and/or below and the
 * deadband that clears it (absolute, or a percentage of the limit). Errors sit beside the
 * number they belong to.
 */
import { SEVERITIES, type Severity } from '../../common/alarm-contract';
import { Field } from '../tools/Field';
import { severityWord } from './alarm-words';
import { emptyLevel, type LevelFields, type LimitFields, type RuleErrors } from './rule-form';

const MAX_LEVELS = 4;

function LimitEditor({
  index,
  side,
  limit,
  errors,
  onChange,
}: {
  index: number;
  side: 'above' | 'below';
  limit: LimitFields;
  errors: RuleErrors['fields'];
  onChange(next: LimitFields): void;
}) {
  const at = `levels.${index}.${side}` as const;
  return (
    <fieldset className="alarm-limit">
      <legend>{side === 'above' ? 'Alarm above' : 'Alarm below'}</legend>
      <Field label="Limit" hint="empty: none" error={errors[`${at}.value`]}>
        <input
          inputMode="decimal"
          value={limit.value}
          onChange={(e) => onChange({ ...limit, value: e.target.value })}
          data-testid={`level-${index}-${side}-value`}
        />
      </Field>
      <Field
        label="Deadband"
        hint={side === 'above' ? 'clears this far below' : 'clears this far above'}
        error={errors[`${at}.deadband`]}
      >
        <input
          inputMode="decimal"
          value={limit.deadband}
          onChange={(e) => onChange({ ...limit, deadband: e.target.value })}
          data-testid={`level-${index}-${side}-deadband`}
        />
      </Field>
      <label className="check">
        <input
          type="checkbox"
          checked={limit.percent}
          onChange={(e) => onChange({ ...limit, percent: e.target.checked })}
        />
        deadband in % of the limit
      </label>
    </fieldset>
  );
}

export function LevelsEditor({
  levels,
  errors,
  onChange,
}: {
  levels: LevelFields[];
  errors: RuleErrors['fields'];
  onChange(next: LevelFields[]): void;
}) {
  const update = (i: number, patch: Partial<LevelFields>) =>
    onChange(levels.map((l, j) => (j === i ? { ...l, ...patch } : l)));
  const next = SEVERITIES.find((s) => !levels.some((l) => l.severity === s)) ?? 'critical';
  return (
    <div className="alarm-levels" data-testid="levels-editor">
      {errors.levels && <p className="field-error">{errors.levels}</p>}
      {levels.map((level, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rungs have no identity but their place
        <fieldset key={i} className="alarm-level">
          <legend>Level {i + 1}</legend>
          <Field label="Severity" error={errors[`levels.${i}`]}>
            <select
              value={level.severity}
              onChange={(e) => update(i, { severity: e.target.value as Severity })}
            >
              {SEVERITIES.map((s) => (
                <option key={s} value={s}>
                  {severityWord(s)}
                </option>
              ))}
            </select>
          </Field>
          <LimitEditor
            index={i}
            side="above"
            limit={level.above}
            errors={errors}
            onChange={(above) => update(i, { above })}
          />
          <LimitEditor
            index={i}
            side="below"
            limit={level.below}
            errors={errors}
            onChange={(below) => update(i, { below })}
          />
          {levels.length > 1 && (
            <button
              type="button"
              className="small-button"
              onClick={() => onChange(levels.filter((_, j) => j !== i))}
            >
              Remove level {i + 1}
            </button>
          )}
        </fieldset>
      ))}
      {levels.length < MAX_LEVELS && (
        <button
          type="button"
          className="small-button"
          onClick={() => onChange([...levels, emptyLevel(next)])}
        >
          Add a level
        </button>
      )}
    </div>
  );
}
