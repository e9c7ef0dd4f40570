/** The engine link in the nav bar; tests and people both read its text. */
import { useConnection } from '../state/connection';

const LABELS = {
  connected: 'connected',
  connecting: 'connecting…',
  disconnected: 'disconnected',
} as const;

export function ConnectionIndicator() {
  const state = useConnection((s) => s.state);
  return (
    <span data-testid="connection-state" className={`connection connection-${state}`} role="status">
      <span className="connection-dot" aria-hidden="true" />
      {/* a narrow window hides "engine" from sight (not from screen readers) to fit the nav */}
      <span className="connection-engine">engine </span>
      {LABELS[state]}
    </span>
  );
}
