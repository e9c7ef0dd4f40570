/**
 * A uPlot plugin drawing alarm marks on a chart: episodes as shaded bands across the plot
 * (open-ended ones run to the right edge), limits as solid lines and their clear points
 * (limit minus deadband) as dashed ones, in the severity's colour. The marks change without
 * the chart being rebuilt: `set` stores them and redraws the plot it is attached to.
 */
import type uPlot from 'uplot';
import type { Severity } from '../../common/alarm-contract';
import type { Episode, LimitLine } from './alarm-marks';

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

export function createAlarmOverlay(): AlarmOverlay {
  let marks: AlarmMarks = { lines: [], episodes: [] };
  let plot: uPlot | null = null;
  let palette: Palette | null = null;
  /** uPlot cannot redraw before its first draw has laid out the axes */
  let drawn = false;
  return {
    plugin: {
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
      if (drawn) plot?.redraw(false, false);
    },
  };
}
