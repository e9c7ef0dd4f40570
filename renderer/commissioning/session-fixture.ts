/** Commissioning sessions for the wizard's unit tests. */
import {
  COMMISSIONING_STEPS,
  type CommissioningSession,
  type CommissioningStep,
  type StepState,
} from '../../common/commissioning-contract';

const st = (state: StepState['state']): StepState => ({ state, at: null, error: null, diagnosis: null });

/** A session whose steps before `at` are done and `at` is in `atState`. */
export function sessionAt(
  at: CommissioningStep,
  atState: StepState['state'] = 'pending',
  over: Partial<CommissioningSession> = {},
): CommissioningSession {
  const index = COMMISSIONING_STEPS.indexOf(at);
  const steps = Object.fromEntries(
    COMMISSIONING_STEPS.map((s, i) => [s, st(i < index ? 'done' : i === index ? atState : 'pending')]),
  ) as CommissioningSession['steps'];
  return {
    id: 's1',
    batchId: null,
    technician: 'Ana',
    createdAt: 1,
    updatedAt: 1,
    status: 'in-progress',
    step: at,
    steps,
    link: null,
    linkOpen: false,
    identity: null,
    details: null,
    credentials: null,
    network: null,
    verify: null,
    carried: null,
    progress: null,
    notes: '',
    ...over,
  };
}
