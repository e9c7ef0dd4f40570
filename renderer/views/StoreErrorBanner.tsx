/**
 * Says plainly when the local cache cannot be used: the charts still move (live data
 * flows past the store), which would otherwise hide that nothing is being kept.
 */
import { useStoreHealth } from '../state/store-health';

export function StoreErrorBanner() {
  const status = useStoreHealth((s) => s.status);
  if (!status || status.ok) return null;
  return (
    <div className="notice notice-error" role="alert" data-testid="store-error">
      <strong>The local cache is unavailable: {status.error ?? 'unknown error'}.</strong> Live data is shown
      but not saved.
    </div>
  );
}
