import type { ConnectorStatus } from '../../common/contract';
import { formatCount } from '../format';

/** counted apart from decode errors: spec-reserved values (flagged) and firmware log lines (normal) */
export function ApartCounts({ connector: c }: { connector: ConnectorStatus }) {
  const invalid = c.invalidValues ?? 0;
  const logs = c.logLines ?? 0;
  if (invalid === 0 && logs === 0) return null;
  return (
    <span className="apart-counts small">
      {invalid > 0 && (
        <span
          className="flagged"
          data-testid="invalid-values"
          title="values the specification reserves or prohibits"
        >
          {' '}
          · {formatCount(invalid)} invalid
        </span>
      )}
      {logs > 0 && (
        <span className="muted" data-testid="log-lines" title="firmware log lines, not decode errors">
          {' '}
          · {formatCount(logs)} log lines
        </span>
      )}
    </span>
  );
}
