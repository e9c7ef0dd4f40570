/**
 * The commissioning wizard for one session: the step list, the step being looked at,
 * Back/Next, progress of the running step, and the session header (device, batch,
 * technician, link). The engine keeps the session, so a reload or a restart lands here
 * again on the same step; commissioning.changed keeps it live.
 */
import { useEffect, useRef, useState } from 'react';
import {
  COMMISSIONING_STEPS,
  type CommissioningSession,
  type CommissioningStep,
  type StepInput,
} from '../../common/commissioning-contract';
import { hrefFor, navigate } from '../router';
import { engine } from '../rpc/engine';
import { applySession, draftKey, dropDraft, useCommissioning, watchSession } from '../state/commissioning';
import { useOperator } from '../state/operator';
import { errorMessage } from '../tools/use-poll';
import { ConnectStep } from './ConnectStep';
import { CredentialsStep } from './CredentialsStep';
import { DetailsStep } from './DetailsStep';
import { IdentifyStep } from './IdentifyStep';
import { NetworkStep } from './NetworkStep';
import { OperatorPrompt } from './OperatorPrompt';
import { RecordStep } from './RecordStep';
import type { StepProps } from './StepFrame';
import { VerifyStep } from './VerifyStep';
import {
  canGoBack,
  canGoNext,
  canVisit,
  describeRunError,
  followSession,
  nextStep,
  previousStep,
  STEP_LABELS,
  stepMark,
} from './wizard-model';

const STEP_VIEWS: Record<CommissioningStep, (props: StepProps) => React.ReactNode> = {
  connect: ConnectStep,
  identify: IdentifyStep,
  details: DetailsStep,
  credentials: CredentialsStep,
  network: NetworkStep,
  verify: VerifyStep,
  record: RecordStep,
};

const MARK_ICONS = { done: '✓', running: '…', failed: '✗', current: '●', pending: '○' } as const;

function StepList({
  session,
  viewing,
  onView,
}: {
  session: CommissioningSession;
  viewing: CommissioningStep;
  onView(step: CommissioningStep): void;
}) {
  return (
    <ol className="wizard-steps" aria-label="Steps">
      {COMMISSIONING_STEPS.map((step) => {
        const mark = stepMark(session, step);
        return (
          <li key={step} className={`wizard-step-item mark-${mark}${step === viewing ? ' viewing' : ''}`}>
            <button
              type="button"
              disabled={!canVisit(session, step)}
              aria-current={step === viewing ? 'step' : undefined}
              onClick={() => onView(step)}
              data-testid={`wizard-nav-${step}`}
              data-mark={mark}
              // when the step last changed state: tells a new outcome from an old one of the same kind
              data-at={session.steps[step].at ?? ''}
            >
              <span className="step-icon" aria-hidden="true">
                {MARK_ICONS[mark]}
              </span>{' '}
              {STEP_LABELS[step]}
              <span className="visually-hidden"> ({mark})</span>
            </button>
          </li>
        );
      })}
    </ol>
  );
}

function SessionHeader({ session }: { session: CommissioningSession }) {
  const [error, setError] = useState<string | null>(null);
  const abandon = () => {
    if (
      !window.confirm(
        'Abandon this commissioning session? The device stays as it is now; nothing is recorded.',
      )
    )
      return;
    engine()
      .request('commissioning.abandon', { sessionId: session.id })
      .then(applySession, (e: unknown) => setError(errorMessage(e)));
  };
  const device =
    session.details?.name ?? session.details?.deviceId ?? session.identity?.model ?? 'New device';
  return (
    <div className="page-head wizard-head">
      <h1>
        Commissioning: <span data-testid="wizard-device">{device}</span>
      </h1>
      <span className={`badge session-${session.status}`} data-testid="session-status">
        {session.status}
      </span>
      {session.batchId && (
        <a href={hrefFor({ name: 'commission-batch', batchId: session.batchId })} className="small">
          batch {session.batchId}
        </a>
      )}
      <span className="muted small">
        technician {session.technician || '—'} · link{' '}
        {session.link ? (session.linkOpen ? 'open' : 'closed') : 'none yet'}
      </span>
      {session.status === 'in-progress' && (
        <button
          type="button"
          className="small-button wizard-abandon"
          onClick={abandon}
          data-testid="session-abandon"
        >
          Abandon
        </button>
      )}
      {error && (
        <span className="form-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

export function Wizard({ sessionId }: { sessionId: string }) {
  const session = useCommissioning((s) => s.sessions[sessionId]);
  const loadError = useCommissioning((s) => s.errors[sessionId]);
  const operator = useOperator((s) => s.name);
  const [viewing, setViewing] = useState<CommissioningStep | null>(null);
  const [sending, setSending] = useState(false);
  const [runNote, setRunNote] = useState<{ text: string; waiting: boolean } | null>(null);
  const shown = useRef<CommissioningSession | null>(null);

  useEffect(() => watchSession(engine(), sessionId), [sessionId]);

  useEffect(() => {
    if (!session) return;
    // read now: the updater runs later, after shown.current already holds this session
    const before = shown.current;
    shown.current = session;
    setViewing((v) => followSession(v, before, session));
    // a step done drops what was typed for it: the form then shows what the session
    // recorded (and a typed Wi-Fi password leaves memory); a failed step keeps it to edit
    for (const step of COMMISSIONING_STEPS) {
      if (session.steps[step].state === 'done' && before?.steps[step].state !== 'done')
        dropDraft(draftKey(session.id, step));
    }
  }, [session]);

  if (!session) {
    return (
      <section className="page">
        <h1>Commissioning</h1>
        {loadError ? (
          <div className="notice notice-error" role="alert">
            Could not open session {sessionId}: {loadError}.{' '}
            <a href={hrefFor({ name: 'commission' })}>Back to the sessions</a>
          </div>
        ) : (
          <p className="muted">loading…</p>
        )}
      </section>
    );
  }

  const step = viewing ?? session.step;
  // one step runs at a time: while any runs, every form waits
  const running = COMMISSIONING_STEPS.some((s) => session.steps[s].state === 'running');
  const run = async (input: StepInput): Promise<boolean> => {
    setSending(true);
    setRunNote(null);
    try {
      applySession(await engine().request('commissioning.run', { sessionId, run: input }));
      return true;
    } catch (error) {
      setRunNote(describeRunError(error as Error & { code?: string }));
      return false;
    } finally {
      setSending(false);
    }
  };
  const View = STEP_VIEWS[step];
  const prev = previousStep(step);
  const next = nextStep(step);

  return (
    <section
      className="page wizard"
      data-testid="wizard"
      data-session-id={session.id}
      data-step={session.step}
    >
      <SessionHeader session={session} />
      {operator === '' && (
        <div className="notice notice-warn">
          Who is commissioning? Your name goes on the report. <OperatorPrompt />
        </div>
      )}
      <div className="wizard-body">
        <StepList session={session} viewing={step} onView={setViewing} />
        <div className="wizard-main">
          {session.progress && (
            <div className="wizard-progress" role="status" data-testid="wizard-progress">
              <span>{session.progress.message}</span>
              {session.progress.fraction === null ? (
                <progress aria-label={session.progress.message} />
              ) : (
                <progress max={1} value={session.progress.fraction} aria-label={session.progress.message} />
              )}
            </div>
          )}
          {runNote && (
            <div
              className={runNote.waiting ? 'notice notice-info' : 'notice notice-error'}
              role={runNote.waiting ? 'status' : 'alert'}
              data-testid="run-error"
            >
              {runNote.text}
            </div>
          )}
          <View session={session} run={run} busy={sending || running} />
          <div className="form-actions wizard-nav">
            <button
              type="button"
              disabled={!canGoBack(session, step)}
              onClick={() => prev && setViewing(prev)}
              data-testid="wizard-back"
            >
              ← Back{prev ? `: ${STEP_LABELS[prev]}` : ''}
            </button>
            <button
              type="button"
              disabled={!canGoNext(session, step)}
              onClick={() => next && setViewing(next)}
              data-testid="wizard-next"
            >
              Next{next ? `: ${STEP_LABELS[next]}` : ''} →
            </button>
            {session.status !== 'in-progress' && (
              <button type="button" onClick={() => navigate({ name: 'commission' })}>
                All sessions
              </button>
            )}
          </div>
        </div>
      </div>
    </section>
  );
}
