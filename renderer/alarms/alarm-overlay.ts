/**
 * A uPlot plugin drawing alarm marks on a chart: episodes as shaded bands across the plot
 * (open-ended ones run to the right edge), limits as solid lines and their clear points
 * (limit minus deadband) as dashed ones, in the severity's colour; the value axis widens to
 * take the limits in. The marks change without the chart being rebuilt: `set` stores them
 * and re-ranges and redraws the plot it is attached to.
 */
import uPlot from 'uplot';
import type { Severity } from '../../common/alarm-contract';
import { type Episode, type LimitLine, spanWithLimits } from './alarm-marks';

export interface AlarmMarks {
  lines: readonly LimitLine[];
  episodes: readonly Episode[];
}

export interface AlarmOverlay {
  plugin: uPlot.Plugin;
  set(marks: AlarmMarks): void;
}

type Palette = Record<Severity, string> & { band: string };

/** canvas cannot use var(--x): the theme's values, read when the chart is (re)built */
function readPalette(root: Element): Palette {
  const style = getComputedStyle(root);
  const read = (name: string) => style.getPropertyValue(name).trim();
  return {
    info: read('--alarm-info'),
    warning: read('--alarm-warning'),
    high: read('--alarm-high'),
    critical: read('--alarm-critical'),
    band: read('--alarm-band-alpha') || '0.14',
  };
}

function draw(u: uPlot, marks: AlarmMarks, palette: Palette): void {
  const { ctx } = u;
  const { left, top, width, height } = u.bbox;
  const scale = u.series[1]?.scale ?? 'y';
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  ctx.globalAlpha = Number(palette.band);
  for (const e of marks.episodes) {
    const x0 = u.valToPos(e.start / 1000, 'x', true);
    const x1 = e.end === null ? left + width : u.valToPos(e.end / 1000, 'x', true);
    if (x1 < left || x0 > left + width) continue;
    ctx.fillStyle = palette[e.severity];
    ctx.fillRect(x0, top, Math.max(1, x1 - x0), height);
  }
  ctx.globalAlpha = 1;
  ctx.lineWidth = Math.max(1, devicePixelRatio);
  for (const line of marks.lines) {
    const y = u.valToPos(line.value, scale, true);
    if (!Number.isFinite(y) || y < top || y > top + height) continue;
    ctx.strokeStyle = palette[line.severity];
    ctx.setLineDash(line.kind === 'clear' ? [4 * devicePixelRatio, 4 * devicePixelRatio] : []);
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(left + width, y);
    ctx.stroke();
  }
  ctx.restore();
}

/** the y scale's range, widened to take in the limits (spanWithLimits), padded as uPlot pads */
function rangeWithLimits(marks: () => AlarmMarks, mode: 'all' | 'near'): uPlot.Range.Function {
  return (_u, min, max) => {
    const span = spanWithLimits(
      min,
      max,
      marks().lines.map((l) => l.value),
      mode,
    );
    if (!span) return [min, max];
    return uPlot.rangeNum(span[0], span[1], 0.1, true);
  };
}

/** fit: which limits the value axis widens to show (see spanWithLimits) */
export function createAlarmOverlay(fit: 'all' | 'near' = 'near'): AlarmOverlay {
  let marks: AlarmMarks = { lines: [], episodes: [] };
  let plot: uPlot | null = null;
  let palette: Palette | null = null;
  /** uPlot cannot redraw before its first draw has laid out the axes */
  let drawn = false;
  return {
    plugin: {
      opts: (_u, opts) => {
        const scale = opts.series[1]?.scale ?? 'y';
        const scales = opts.scales ?? {};
        return {
          ...opts,
          scales: { ...scales, [scale]: { ...scales[scale], range: rangeWithLimits(() => marks, fit) } },
        };
      },
      hooks: {
        init: (u) => {
          plot = u;
          drawn = false;
          palette = readPalette(document.documentElement);
        },
        draw: (u) => {
          if (u === plot) drawn = true;
          if (palette) draw(u, marks, palette);
        },
        destroy: (u) => {
          if (plot === u) plot = null;
        },
      },
    },
    set(next) {
      marks = next;
      if (!drawn || !plot) return;
      // the same x again: uPlot re-ranges y (the limits may widen it) and redraws once
      const { min, max } = plot.scales.x ?? {};
      if (min != null && max != null) plot.setScale('x', { min, max });
      else plot.redraw(false, false);
    },
  };
}
