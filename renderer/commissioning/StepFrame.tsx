/**
 * What every wizard step shares: its form (so Enter runs it and Retry resubmits what is
 * typed), its state line, the error and the engine's diagnosis when it failed, and the
 * run button.
 */
import type { FormEvent, ReactNode } from 'react';
import type { CommissioningSession, CommissioningStep, StepInput } from '../../common/commissioning-contract';
import { formatDateTime } from '../format';

export interface StepProps {
  session: CommissioningSession;
  /** starts the step with this input; resolves true when the engine accepted it (the outcome follows on the stream) */
  run(input: StepInput): Promise<boolean>;
  /** a run is on its way or the step is running in the engine */
  busy: boolean;
}

export function stepFormId(step: CommissioningStep): string {
  return `step-form-${step}`;
}

export function StepFrame({
  session,
  step,
  title,
  intro,
  submitLabel,
  busy,
  onSubmit,
  children,
  result,
}: {
  session: CommissioningSession;
  step: CommissioningStep;
  title: string;
  intro: ReactNode;
  submitLabel: string;
  busy: boolean;
  onSubmit(): void;
  children?: ReactNode;
  /** what the step produced, shown once it is done */
  result?: ReactNode;
}) {
  const state = session.steps[step];
  const finished = session.status !== 'in-progress';
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!busy && !finished) onSubmit();
  };
  return (
    <form
      id={stepFormId(step)}
      className="wizard-step"
      onSubmit={submit}
      noValidate
      aria-labelledby={`${stepFormId(step)}-title`}
      data-testid={`step-${step}`}
      data-state={state.state}
    >
      <h2 id={`${stepFormId(step)}-title`} className="section-title">
        {title}
      </h2>
      <p className="muted">{intro}</p>
      {state.state === 'failed' && (
        <div className="notice notice-error step-failure" role="alert" data-testid="step-error">
          <strong>{state.error ?? 'This step failed.'}</strong>
          {state.diagnosis && (
            <p className="diagnosis" data-testid="step-diagnosis">
              {state.diagnosis}
            </p>
          )}
          {!finished && (
            <button type="submit" className="small-button" disabled={busy} data-testid="step-retry">
              Retry
            </button>
          )}
        </div>
      )}
      <fieldset className="step-fields" disabled={busy || finished}>
        {children}
      </fieldset>
      {state.state === 'done' && result}
      <div className="form-actions">
        {!finished && (
          <button type="submit" disabled={busy} data-testid="step-run">
            {state.state === 'running'
              ? 'Working…'
              : state.state === 'done'
                ? `${submitLabel} again`
                : submitLabel}
          </button>
        )}
        {state.state === 'done' && state.at !== null && (
          <span className="form-ok" role="status">
            ✓ Done {formatDateTime(state.at)}
          </span>
        )}
        {state.state === 'done' && !finished && step !== 'record' && (
          <span className="muted small">Running a done step again resets the steps after it.</span>
        )}
      </div>
    </form>
  );
}

/** A labelled fact in a step's result. */
export function Facts({ items }: { items: [string, ReactNode][] }) {
  return (
    <dl className="facts">
      {items.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value ?? <span className="muted">—</span>}</dd>
        </div>
      ))}
    </dl>
  );
}
