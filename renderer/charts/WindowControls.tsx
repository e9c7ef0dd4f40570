/**
 * The time window's controls: "last N" presets (which follow now), the live toggle and,
 * once the user has zoomed or panned away, the way back. Also says which window is shown.
 */
import { formatRange, formatSpan } from '../format';
import { chartWindow, useChartWindow } from '../state/chart-window';
import { rangeOf } from './time-window';

const PRESETS = [
  { ms: 60_000, label: '1 min' },
  { ms: 300_000, label: '5 min' },
  { ms: 3_600_000, label: '1 h' },
  { ms: 21_600_000, label: '6 h' },
  { ms: 86_400_000, label: '1 day' },
  { ms: 604_800_000, label: '1 week' },
] as const;

export function WindowControls() {
  const window = useChartWindow((s) => s.window);
  const { from, to } = rangeOf(window, Date.now());
  return (
    <div className="window-controls">
      <fieldset className="window-picker">
        <legend>Last</legend>
        {PRESETS.map((p) => {
          const active = window.live && window.spanMs === p.ms;
          return (
            <button
              key={p.ms}
              type="button"
              className={active ? 'active' : undefined}
              aria-pressed={active}
              data-testid={`preset-${p.ms}`}
              onClick={() => chartWindow.preset(p.ms)}
            >
              {p.label}
            </button>
          );
        })}
      </fieldset>
      <div className="window-zoom">
        <button type="button" onClick={chartWindow.zoomIn} title="Zoom in (+)" aria-label="Zoom in">
          +
        </button>
        <button type="button" onClick={chartWindow.zoomOut} title="Zoom out (-)" aria-label="Zoom out">
          −
        </button>
      </div>
      <button
        type="button"
        className={window.live ? 'live-toggle on' : 'live-toggle'}
        aria-pressed={window.live}
        data-testid="live-toggle"
        onClick={() => chartWindow.setLive(!window.live)}
        title="Follow now, appending readings as they arrive (L)"
      >
        <span className="live-dot" aria-hidden="true" /> Live
      </button>
      {!window.live && (
        <button type="button" className="back-to-live" data-testid="back-to-live" onClick={chartWindow.live}>
          Back to live
        </button>
      )}
      <span className="window-range muted" data-testid="window-range">
        {window.live
          ? `last ${formatSpan(window.spanMs)}, to now`
          : `${formatRange(from, to)} (${formatSpan(window.spanMs)})`}
      </span>
      <span className="window-hint muted small">
        drag: zoom · shift+drag / ← →: pan · wheel, + −: zoom · L: live
      </span>
    </div>
  );
}
