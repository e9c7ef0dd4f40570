/**
 * The alarm banner on every page: how many alarms wait for an acknowledgement, by severity,
 * the newest of them, and the way to the list. One line that wraps rather than widening the
 * page; coloured by the most severe alarm it counts; its count announced politely to screen
 * readers.
 */
import { SEVERITIES } from '../../common/alarm-contract';
import { formatAgo, formatValue } from '../format';
import { hrefFor } from '../router';
import { useNow } from '../state/clock';
import { bannerSummary } from './alarm-order';
import { useAlarms } from './alarm-store';
import { severityWord, stateWords } from './alarm-words';

export function AlarmBanner() {
  const alarms = useAlarms((s) => s.alarms);
  const now = useNow();
  const summary = bannerSummary(alarms);
  const { newest } = summary;
  if (!newest) return null;
  const worst = [...SEVERITIES].reverse().find((s) => summary.active[s] > 0) ?? 'returned';
  const counts = [...SEVERITIES]
    .reverse()
    .filter((s) => summary.active[s] > 0)
    .map((s) => `${summary.active[s]} ${s}`);
  return (
    <aside
      className={`alarm-banner alarm-banner-${worst}`}
      data-testid="alarm-banner"
      aria-label="Unacknowledged alarms"
    >
      {/* only the count is live: the "2 min ago" beside it would be announced every tick */}
      <strong data-testid="alarm-banner-count" role="status">
        {summary.activeTotal === 0
          ? 'No active alarm unacknowledged'
          : `${summary.activeTotal} active alarm${summary.activeTotal === 1 ? '' : 's'} unacknowledged`}
      </strong>
      {counts.length > 0 && <span className="alarm-banner-counts">{counts.join(' · ')}</span>}
      {summary.returned > 0 && (
        <span className="alarm-banner-counts">{summary.returned} returned, unacknowledged</span>
      )}
      <span className="alarm-banner-newest" data-testid="alarm-banner-newest">
        Newest: {severityWord(newest.severity)} · {newest.ruleName} on {newest.deviceId}
        {newest.value !== null && ` (${formatValue(newest.value)})`} · {stateWords(newest.state)} ·{' '}
        {formatAgo(newest.since ?? newest.updatedAt, now)}
      </span>
      <a href={hrefFor({ name: 'alarms' })} className="alarm-banner-link">
        Open the alarm list →
      </a>
    </aside>
  );
}
