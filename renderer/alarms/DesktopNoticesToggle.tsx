/** The switch for desktop notifications on the alarm list, with why it cannot be on. */
import { setDesktopNotices, useDesktopNotices } from './desktop-notices';

export function DesktopNoticesToggle() {
  const { enabled, permission } = useDesktopNotices();
  if (permission === 'unsupported') return null;
  return (
    <label className="check" title="One notification per new active, unacknowledged alarm">
      <input
        type="checkbox"
        checked={enabled}
        disabled={permission === 'denied'}
        onChange={(e) => void setDesktopNotices(e.target.checked)}
        data-testid="desktop-notices"
      />
      desktop notifications
      {permission === 'denied' && (
        <span className="muted small"> (blocked in the browser's settings for this app)</span>
      )}
    </label>
  );
}
