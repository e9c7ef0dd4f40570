/**
 * How far a device's clock is from the host's. Readings are ordered by device time, so a
 * clock that is far off (clockSuspect) puts them in the wrong place: shown in red.
 */
import { formatSkew } from '../format';

export function ClockSkew({
  skewMs,
  suspect,
  prefix = '',
}: {
  skewMs: number | null;
  suspect: boolean;
  prefix?: string;
}) {
  if (skewMs === null) {
    return (
      <span className="muted" title="No reading with a device timestamp yet">
        {prefix}—
      </span>
    );
  }
  const title = suspect
    ? 'The device clock is too far off to order its readings by; they are flagged suspect'
    : 'Device clock minus host clock, smoothed over recent readings';
  return (
    <span className={suspect ? 'clock-skew flagged' : 'clock-skew'} data-testid="clock-skew" title={title}>
      {prefix}
      {formatSkew(skewMs)}
    </span>
  );
}
