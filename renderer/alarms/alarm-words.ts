/**
 * How alarm states and severities read on screen: the words of the ISA-18.2 state
 * diagram, so an operator trained on it recognises them, not the engine's identifiers.
 */
import { type AlarmState, SEVERITIES, type Severity } from '../../common/alarm-contract';

const STATE_WORDS: Record<AlarmState, string> = {
  normal: 'Normal',
  pending: 'Pending (on-delay)',
  active_unack: 'Active, unacknowledged',
  active_ack: 'Active, acknowledged',
  rtn_unack: 'Returned, unacknowledged',
  shelved: 'Shelved',
  suppressed: 'Suppressed by design',
  out_of_service: 'Out of service',
};

export function stateWords(state: AlarmState): string {
  return STATE_WORDS[state];
}

/** shelved, suppressed and out-of-service also say what lies beneath: "Shelved (active, unacknowledged)" */
export function stateWithUnderlying(state: AlarmState, underlying: AlarmState | null): string {
  if (!underlying || underlying === state || !['shelved', 'suppressed', 'out_of_service'].includes(state)) {
    return stateWords(state);
  }
  return `${stateWords(state)} (${stateWords(underlying).toLowerCase()})`;
}

/** needs an operator's acknowledgement: the states that count in the banner */
export function isUnacknowledged(state: AlarmState): boolean {
  return state === 'active_unack' || state === 'rtn_unack';
}

/** the condition holds now (acknowledged or not) */
export function isActive(state: AlarmState): boolean {
  return state === 'active_unack' || state === 'active_ack';
}

/** 0 for info … 3 for critical; −1 for none */
export function severityRank(severity: Severity | null): number {
  return severity === null ? -1 : SEVERITIES.indexOf(severity);
}

export function severityWord(severity: Severity | null): string {
  return severity === null ? '—' : severity[0]!.toUpperCase() + severity.slice(1);
}
