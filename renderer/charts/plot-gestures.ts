/**
 * Mouse gestures on a plot that uPlot does not do the app's way: the wheel zooms around
 * the time under the pointer, shift+drag pans. A plain drag stays uPlot's selection
 * (reported by the setSelect hook in chart-options). Pressing on a plot also focuses the
 * chart area, so the keyboard works on the chart just clicked.
 */
import type uPlot from 'uplot';

export interface GestureHandlers {
  /** factor < 1 zooms in; anchor is the time under the pointer, ms */
  zoomAt(factor: number, anchorMs: number): void;
  /** a shift-drag begins; the returned function gets the drag so far, in plot widths */
  panStart(): (widths: number) => void;
  focus(): void;
}

/** Pixels per wheel "line" and "page", to treat mice and trackpads alike. */
const LINE_PX = 16;
const PAGE_PX = 400;
/** 500 px of wheel travel doubles (or halves) the span. */
const WHEEL_PX_PER_DOUBLING = 500;

export function wheelFactor(event: Pick<WheelEvent, 'deltaY' | 'deltaMode'>): number {
  const unit = event.deltaMode === 1 ? LINE_PX : event.deltaMode === 2 ? PAGE_PX : 1;
  const factor = 2 ** ((event.deltaY * unit) / WHEEL_PX_PER_DOUBLING);
  return Math.min(4, Math.max(0.25, factor));
}

export function bindPlotGestures(plot: uPlot, host: HTMLElement, handlers: GestureHandlers): () => void {
  const over = plot.over;

  const onWheel = (event: WheelEvent) => {
    if (event.deltaY === 0) return;
    event.preventDefault(); // the page must not scroll while the chart zooms
    const x = event.clientX - over.getBoundingClientRect().left;
    handlers.zoomAt(wheelFactor(event), plot.posToVal(x, 'x') * 1000);
  };

  // capture on the host runs before uPlot's own listener on `over`, so a shift-drag never
  // starts a selection
  const onMouseDown = (event: MouseEvent) => {
    if (event.button !== 0 || !(event.target instanceof Node) || !over.contains(event.target)) return;
    handlers.focus();
    if (!event.shiftKey) return;
    event.preventDefault();
    event.stopPropagation();
    const startX = event.clientX;
    const width = Math.max(1, over.clientWidth);
    const move = handlers.panStart();
    const onMove = (e: MouseEvent) => move((e.clientX - startX) / width);
    const onUp = () => {
      window.removeEventListener('mousemove', onMove);
      window.removeEventListener('mouseup', onUp);
    };
    window.addEventListener('mousemove', onMove);
    window.addEventListener('mouseup', onUp);
  };

  over.addEventListener('wheel', onWheel, { passive: false });
  host.addEventListener('mousedown', onMouseDown, { capture: true });
  return () => {
    over.removeEventListener('wheel', onWheel);
    host.removeEventListener('mousedown', onMouseDown, { capture: true });
  };
}
