/** The engine link in the nav bar; tests and people both read its text. */
import { useConnection } from '../state/connection';

const LABELS = {
  connected: 'engine connected',
  connecting: 'engine connecting…',
  disconnected: 'engine disconnected',
} as const;

export function ConnectionIndicator() {
  const state = useConnection((s) => s.state);
  return (
    <span data-testid="connection-state" className={`connection connection-${state}`} role="status">
      <span className="connection-dot" aria-hidden="true" />
      {LABELS[state]}
    </span>
  );
}
