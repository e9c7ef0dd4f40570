/**
 * Says why there is no data when the engine cannot be reached, instead of leaving an
 * empty table that looks like an empty fleet.
 */
import { NO_ENGINE_MESSAGE } from '../rpc/message-port-transport';
import { useConnection } from '../state/connection';

export function EngineNotice() {
  const { state, error } = useConnection();
  if (state === 'connected' || error === null) return null;
  if (error === NO_ENGINE_MESSAGE) {
    return (
      <div className="notice notice-error" role="alert">
        <strong>No engine connection:</strong> open the URL printed by <code>npm run serve</code> (it carries
        the access token), or start the desktop app with <code>npm start</code>.
      </div>
    );
  }
  return (
    <div className="notice notice-warn" role="alert">
      <strong>Engine unreachable, retrying…</strong> {error}
    </div>
  );
}
