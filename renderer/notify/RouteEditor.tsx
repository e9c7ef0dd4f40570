/**
 * One route of the routing policy: label matchers, channels, grouping in plain units,
 * minimum severity, continue, and an escalation chain. Checked with the contract's schema
 * before it is sent; each problem shows beside its field.
 */
import { type FormEvent, type KeyboardEvent, useState } from 'react';
import type { ChannelSummary } from '../../common/notify-contract';
import { Field } from '../tools/Field';
import { errorMessage } from '../tools/use-poll';
import {
  checkRoute,
  type DurationField,
  emptyStage,
  MATCHER_OPS,
  type Route,
  type RouteErrors,
  type RouteFields,
  SEVERITY_OPTIONS,
  UNITS,
} from './route-form';

interface Props {
  initial: RouteFields;
  channels: readonly ChannelSummary[];
  /** names of the policy's other routes: a route's name must be its own */
  otherNames: readonly string[];
  /** saves the policy with this route; rejects with the engine's error */
  onSave(route: Route): Promise<void>;
  onCancel(): void;
}

export function RouteEditor({ initial, channels, otherNames, onSave, onCancel }: Props) {
  const [f, setF] = useState(initial);
  const [errors, setErrors] = useState<RouteErrors>({});
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<RouteFields>) => setF({ ...f, ...patch });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = checkRoute(f, otherNames);
    if (!checked.route) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    setBusy(true);
    onSave(checked.route)
      .catch((err: unknown) => setErrors({ form: `Not saved: ${errorMessage(err)}` }))
      .finally(() => setBusy(false));
  };
  const cancelOnEscape = (e: KeyboardEvent) => {
    if (e.key === 'Escape') onCancel();
  };
  const stage = (i: number, patch: Partial<RouteFields['stages'][number]>) =>
    set({ stages: f.stages.map((s, j) => (j === i ? { ...s, ...patch } : s)) });
  const errorCount = Object.keys(errors).length;
  return (
    <form
      className="panel route-editor"
      onSubmit={submit}
      onKeyDown={cancelOnEscape}
      data-testid="route-editor"
      noValidate
    >
      <h3 className="section-title">{initial.name ? `Route ${initial.name}` : 'New route'}</h3>
      <div className="form-grid">
        <Field label="Route name" error={errors.name}>
          {/* biome-ignore lint/a11y/noAutofocus: the editor opens on a click and is typed into next */}
          <input value={f.name} onChange={(e) => set({ name: e.target.value })} autoFocus />
        </Field>
        <Field label="Minimum severity" hint="quieter alarms skip this route" error={errors.minSeverity}>
          <select
            value={f.minSeverity}
            onChange={(e) => set({ minSeverity: e.target.value as RouteFields['minSeverity'] })}
          >
            {SEVERITY_OPTIONS.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </Field>
        <Field
          label="Group by"
          hint="labels, comma-separated: rule, device, site, severity"
          error={errors.groupBy}
        >
          <input value={f.groupBy} onChange={(e) => set({ groupBy: e.target.value })} />
        </Field>
      </div>

      <fieldset className="kind-picker">
        <legend>Label matchers (all must fit; none: every alarm)</legend>
        {f.matchers.length > 0 && (
          <table className="grid profile-rows matcher-rows" data-testid="matchers">
            <tbody>
              {f.matchers.map((m, i) => {
                const row = i + 1;
                const put = (patch: Partial<typeof m>) =>
                  set({ matchers: f.matchers.map((x, j) => (j === i ? { ...x, ...patch } : x)) });
                return (
                  // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their place
                  <tr key={i}>
                    <td>
                      <Field label={`Label ${row}`} error={errors[`matchers.${i}.label`]}>
                        <input value={m.label} onChange={(e) => put({ label: e.target.value })} />
                      </Field>
                    </td>
                    <td>
                      <Field label={`Operator ${row}`} error={errors[`matchers.${i}.op`]}>
                        <select value={m.op} onChange={(e) => put({ op: e.target.value as typeof m.op })}>
                          {MATCHER_OPS.map((o) => (
                            <option key={o.op} value={o.op}>
                              {o.label}
                            </option>
                          ))}
                        </select>
                      </Field>
                    </td>
                    <td>
                      <Field label={`Value ${row}`} error={errors[`matchers.${i}.value`]}>
                        <input value={m.value} onChange={(e) => put({ value: e.target.value })} />
                      </Field>
                    </td>
                    <td>
                      <button
                        type="button"
                        className="small-button"
                        aria-label={`Remove matcher ${row}`}
                        onClick={() => set({ matchers: f.matchers.filter((_, j) => j !== i) })}
                      >
                        Remove
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        {errors.matchers && <span className="field-error">{errors.matchers}</span>}
        <button
          type="button"
          className="small-button"
          disabled={f.matchers.length >= 10}
          onClick={() => set({ matchers: [...f.matchers, { label: 'device', op: '=', value: '' }] })}
        >
          Add matcher
        </button>
      </fieldset>

      <ChannelPicker
        legend="Channels (told when the alarm is raised)"
        channels={channels}
        picked={f.channels}
        error={errors.channels}
        onChange={(picked) => set({ channels: picked })}
        testId="route-channels"
      />

      <div className="form-grid">
        <DurationInput
          label="Group wait"
          hint="the first alarms of a group wait this long, then go in one message"
          value={f.groupWait}
          error={errors.groupWait}
          onChange={(groupWait) => set({ groupWait })}
        />
        <DurationInput
          label="Group interval"
          hint="later alarms of the group wait this long after its last message"
          value={f.groupInterval}
          error={errors.groupInterval}
          onChange={(groupInterval) => set({ groupInterval })}
        />
        <DurationInput
          label="Repeat every"
          hint="while the alarm fires unacknowledged"
          value={f.repeatInterval}
          error={errors.repeatInterval}
          onChange={(repeatInterval) => set({ repeatInterval })}
        />
      </div>
      <label className="check">
        <input type="checkbox" checked={f.continue} onChange={(e) => set({ continue: e.target.checked })} />
        Continue: alarms matching this route also try the routes after it
      </label>

      <fieldset className="kind-picker escalation" data-testid="escalation">
        <legend>Escalation</legend>
        <label className="check">
          <input type="checkbox" checked={f.escalate} onChange={(e) => set({ escalate: e.target.checked })} />
          Page the next stage when nobody acknowledges in time
        </label>
        {f.escalate && (
          <>
            <ol className="stage-list">
              {f.stages.map((s, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: stages have no identity but their place
                <li key={i} className="stage" data-testid={`stage-${i + 1}`}>
                  <ChannelPicker
                    legend={`Stage ${i + 1} channels`}
                    channels={channels}
                    picked={s.channels}
                    error={errors[`stages.${i}.channels`]}
                    onChange={(picked) => stage(i, { channels: picked })}
                  />
                  <div className="form-grid">
                    <DurationInput
                      label={`Stage ${i + 1} ack timeout`}
                      hint="no acknowledgement by then: the next stage"
                      value={s.ackTimeout}
                      error={errors[`stages.${i}.ackTimeout`]}
                      onChange={(ackTimeout) => stage(i, { ackTimeout })}
                    />
                  </div>
                  <button
                    type="button"
                    className="small-button"
                    disabled={f.stages.length <= 1}
                    onClick={() => set({ stages: f.stages.filter((_, j) => j !== i) })}
                  >
                    Remove stage {i + 1}
                  </button>
                </li>
              ))}
            </ol>
            {errors.stages && <span className="field-error">{errors.stages}</span>}
            <div className="form-grid">
              <Field
                label="Repeats"
                hint="times the whole chain starts again (0 to 10)"
                error={errors.repeats}
              >
                <input
                  inputMode="numeric"
                  value={f.repeats}
                  onChange={(e) => set({ repeats: e.target.value })}
                />
              </Field>
            </div>
            <button
              type="button"
              className="small-button"
              disabled={f.stages.length >= 5}
              onClick={() => set({ stages: [...f.stages, emptyStage()] })}
            >
              Add stage
            </button>
          </>
        )}
      </fieldset>

      {errorCount > 0 && (
        <p className="form-error" role="alert" data-testid="route-errors">
          {errors.form ??
            `${errorCount} field${errorCount === 1 ? ' needs' : 's need'} fixing: see the messages beside them`}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="primary-button" disabled={busy}>
          Save route
        </button>
        <button type="button" className="small-button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function DurationInput(props: {
  label: string;
  hint: string;
  value: DurationField;
  error: string | undefined;
  onChange(v: DurationField): void;
}) {
  const { label, value, onChange } = props;
  return (
    <Field label={label} hint={props.hint} error={props.error}>
      <input
        aria-label={label}
        inputMode="decimal"
        value={value.amount}
        onChange={(e) => onChange({ ...value, amount: e.target.value })}
      />
      <select
        aria-label={`${label} unit`}
        value={value.unit}
        onChange={(e) => onChange({ ...value, unit: e.target.value as DurationField['unit'] })}
      >
        {UNITS.map((u) => (
          <option key={u.unit} value={u.unit}>
            {u.label}
          </option>
        ))}
      </select>
    </Field>
  );
}

function ChannelPicker(props: {
  legend: string;
  channels: readonly ChannelSummary[];
  picked: readonly string[];
  error: string | undefined;
  onChange(picked: string[]): void;
  testId?: string;
}) {
  const { channels, picked, onChange } = props;
  return (
    <fieldset
      className="kind-picker"
      data-testid={props.testId}
      aria-invalid={props.error ? true : undefined}
    >
      <legend>{props.legend}</legend>
      {channels.length === 0 && <span className="muted small">No channels yet: add one above.</span>}
      {channels.map((c) => (
        <label key={c.id} className="check">
          <input
            type="checkbox"
            checked={picked.includes(c.id)}
            onChange={(e) =>
              onChange(e.target.checked ? [...picked, c.id] : picked.filter((x) => x !== c.id))
            }
          />
          {c.name}
        </label>
      ))}
      {/* a channel removed since the route was saved: shown so it can be unticked */}
      {picked
        .filter((id) => !channels.some((c) => c.id === id))
        .map((id) => (
          <label key={id} className="check">
            <input type="checkbox" checked onChange={() => onChange(picked.filter((x) => x !== id))} />
            {id} (missing)
          </label>
        ))}
      {props.error && <span className="field-error">{props.error}</span>}
    </fieldset>
  );
}
