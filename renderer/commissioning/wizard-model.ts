/**
 * Wizard navigation over a commissioning session. The engine's session is the truth
 * (which steps are done, which one is next); the wizard only keeps which step the
 * technician is looking at. Done steps can be revisited (running one again resets the
 * later ones, in the engine); the first step not done is as far forward as one can go.
 */
import {
  COMMISSIONING_STEPS,
  type CommissioningSession,
  type CommissioningStep,
} from '../../common/commissioning-contract';

export const STEP_LABELS: Record<CommissioningStep, string> = {
  connect: 'Connect',
  identify: 'Identify',
  details: 'Name & profile',
  credentials: 'Credentials',
  network: 'Network',
  verify: 'Verify',
  record: 'Record',
};

export type StepMark = 'done' | 'running' | 'failed' | 'current' | 'pending';

export function stepIndex(step: CommissioningStep): number {
  return COMMISSIONING_STEPS.indexOf(step);
}

export function previousStep(step: CommissioningStep): CommissioningStep | null {
  return COMMISSIONING_STEPS[stepIndex(step) - 1] ?? null;
}

export function nextStep(step: CommissioningStep): CommissioningStep | null {
  return COMMISSIONING_STEPS[stepIndex(step) + 1] ?? null;
}

/** How a step shows in the step list. */
export function stepMark(session: CommissioningSession, step: CommissioningStep): StepMark {
  const state = session.steps[step].state;
  if (state === 'done' || state === 'running' || state === 'failed') return state;
  return session.step === step ? 'current' : 'pending';
}

/** A step can be shown when it is done or it is the one the session is on. */
export function canVisit(session: CommissioningSession, step: CommissioningStep): boolean {
  if (session.status !== 'in-progress') return true;
  return session.steps[step].state !== 'pending' || session.step === step;
}

export function canGoBack(session: CommissioningSession, viewing: CommissioningStep): boolean {
  const prev = previousStep(viewing);
  return prev !== null && canVisit(session, prev);
}

/** Next only moves over a finished step: the step after it is done or is the session's. */
export function canGoNext(session: CommissioningSession, viewing: CommissioningStep): boolean {
  const next = nextStep(viewing);
  return next !== null && session.steps[viewing].state === 'done' && canVisit(session, next);
}

/**
 * Which step to show after the session changed. Finishing the step being looked at moves
 * on to the session's step; a step that is no longer reachable (an earlier one was run
 * again, so the later ones are pending) falls back to it; otherwise the view stays put,
 * so a progress update never yanks the technician away from what they are reading.
 */
export function followSession(
  viewing: CommissioningStep | null,
  before: CommissioningSession | null,
  after: CommissioningSession,
): CommissioningStep {
  if (viewing === null || before === null || before.id !== after.id) return after.step;
  if (!canVisit(after, viewing)) return after.step;
  const finishedNow = before.steps[viewing].state !== 'done' && after.steps[viewing].state === 'done';
  if (finishedNow) return after.step;
  return viewing;
}

/** Keep the newer of two copies of a session (a slow get must not undo a stream update). */
export function newerSession(
  current: CommissioningSession | undefined,
  incoming: CommissioningSession,
): CommissioningSession {
  if (!current || current.id !== incoming.id) return incoming;
  return incoming.updatedAt >= current.updatedAt ? incoming : current;
}

/** Seconds left while waiting for the first telemetry; null when not counting down. */
export function verifyCountdown(
  startedAt: number | null,
  timeoutS: number,
  now: number,
): { remainingS: number; fraction: number } | null {
  if (startedAt === null || timeoutS <= 0) return null;
  const elapsedS = Math.max(0, (now - startedAt) / 1000);
  const remainingS = Math.max(0, Math.ceil(timeoutS - elapsedS));
  return { remainingS, fraction: Math.min(1, elapsedS / timeoutS) };
}

/** The RPC error of a step run, as the wizard shows it; null when it is not an error to show. */
export function describeRunError(error: { code?: string; message: string }): {
  text: string;
  waiting: boolean;
} {
  if (error.code === 'TIMEOUT')
    // a long step (key generation, the verify wait) outlives the request; the stream carries on
    return { text: 'Still working: progress updates below as the device answers.', waiting: true };
  if (error.code === 'CLOSED')
    return {
      text: 'The engine connection dropped. The session is saved: retry this step once it is back.',
      waiting: false,
    };
  return { text: error.message, waiting: false };
}

/** A default batch name: date and time, sortable. */
export function defaultBatchName(now: number): string {
  const d = new Date(now);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `batch-${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}`;
}

/**
 * The BLE peripheral a batch's next device is likely to be: the strongest connectable one
 * the batch has not used yet ('' when there is none). The technician can pick another.
 */
export function suggestNextPeripheral(
  peripherals: readonly { id: string; rssi: number; connectable: boolean }[],
  used: ReadonlySet<string>,
): string {
  const fresh = peripherals.filter((p) => p.connectable && !used.has(p.id)).sort((a, b) => b.rssi - a.rssi);
  return fresh[0]?.id ?? '';
}

/** The BLE peripherals a batch's sessions were linked to. */
export function peripheralsUsed(sessions: readonly CommissioningSession[]): Set<string> {
  const used = new Set<string>();
  for (const s of sessions) if (s.link?.kind === 'ble') used.add(s.link.peripheralId);
  return used;
}
