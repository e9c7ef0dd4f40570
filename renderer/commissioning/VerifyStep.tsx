/**
 * Verify: waits for the device's first telemetry and heartbeat through the broker, with
 * a countdown; on timeout the engine says why (wrong Wi-Fi password, broker unreachable,
 * certificate refused).
 */
import { useState } from 'react';
import { formatDateTime } from '../format';
import { useNow } from '../state/clock';
import { draftKey, useDraft } from '../state/commissioning';
import { Field } from '../tools/Field';
import { Facts, StepFrame, type StepProps } from './StepFrame';
import { type Errors, parseVerify, type VerifyFields } from './wizard-forms';
import { verifyCountdown } from './wizard-model';

function Countdown({ startedAt, timeoutS }: { startedAt: number | null; timeoutS: number }) {
  const now = useNow();
  const left = verifyCountdown(startedAt, timeoutS, now);
  if (!left) return null;
  return (
    <div className="countdown" role="status" data-testid="verify-countdown">
      <progress max={1} value={left.fraction} aria-label="Time waited for the first telemetry" />{' '}
      {left.remainingS > 0
        ? `waiting up to ${left.remainingS} s more…`
        : 'time is up, waiting for the verdict…'}
    </div>
  );
}

export function VerifyStep({ session, run, busy }: StepProps) {
  const key = draftKey(session.id, 'verify');
  const [fields, setFields] = useDraft<VerifyFields>(key, () => ({ timeoutS: '60' }));
  const [errors, setErrors] = useState<Errors<VerifyFields>>({});
  const submit = () => {
    const parsed = parseVerify(fields);
    if (!parsed.ok) return setErrors(parsed.errors);
    setErrors({});
    // the draft keeps the timeout for the countdown while the step runs
    void run(parsed.value);
  };
  const state = session.steps.verify;
  const v = session.verify;
  const timeoutS = Number(fields.timeoutS) || 60;
  return (
    <StepFrame
      session={session}
      step="verify"
      title="Verify"
      intro="Proves the device reports: its first reading and heartbeat must reach the broker within the time limit."
      submitLabel="Start verification"
      busy={busy}
      onSubmit={submit}
      result={
        v && (
          <Facts
            items={[
              ['First telemetry', v.firstTelemetryAt && formatDateTime(v.firstTelemetryAt)],
              ['Heartbeat', v.heartbeatAt && formatDateTime(v.heartbeatAt)],
              ['Readings so far', String(v.readings)],
            ]}
          />
        )
      }
    >
      <div className="form-grid">
        <Field label="Time limit (s)" hint="5 to 600">
          <input
            inputMode="numeric"
            value={fields.timeoutS}
            aria-invalid={errors.timeoutS ? true : undefined}
            onChange={(e) => setFields({ timeoutS: e.target.value })}
            data-testid="verify-timeout"
          />
          {errors.timeoutS && <span className="field-error">{errors.timeoutS}</span>}
        </Field>
      </div>
      {state.state === 'running' && (
        <>
          <Countdown startedAt={state.at} timeoutS={timeoutS} />
          {v && (
            <p className="muted" data-testid="verify-live">
              {v.firstTelemetryAt ? '✓ telemetry seen' : '… no telemetry yet'} ·{' '}
              {v.heartbeatAt ? '✓ heartbeat seen' : '… no heartbeat yet'} · {v.readings} readings
            </p>
          )}
        </>
      )}
    </StepFrame>
  );
}
