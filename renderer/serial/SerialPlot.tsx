/**
 * The live serial plotter: uPlot over the last 60 s of numbers parsed from received
 * lines. The data object is fed outside React (the monitor calls `push`), and the canvas
 * is redrawn at most once per animation frame; a new field name rebuilds the chart
 * because uPlot's series are fixed at creation.
 */
import { forwardRef, useEffect, useImperativeHandle, useRef, useState } from 'react';
import uPlot from 'uplot';
import { SerialPlotData } from '../tools/serial-plot-data';

const PALETTE = ['#1d5fbf', '#2a9d8f', '#b5651d', '#6a4c93', '#c2185b', '#264653', '#7a8b00', '#5d4037'];
const WINDOW_MS = 60_000;
const HEIGHT = 160;

export interface SerialPlotHandle {
  push(bytes: Uint8Array, ts: number): void;
}

export const SerialPlot = forwardRef<SerialPlotHandle>(function SerialPlot(_props, ref) {
  const hostRef = useRef<HTMLDivElement>(null);
  const data = useRef(new SerialPlotData(WINDOW_MS));
  const plot = useRef<uPlot | null>(null);
  const frame = useRef(0);
  const [keys, setKeys] = useState<string[]>([]);

  useImperativeHandle(ref, () => ({
    push(bytes, ts) {
      if (!data.current.push(bytes, ts)) return;
      const now = data.current.keys();
      setKeys((old) => (old.length === now.length ? old : now));
      if (frame.current === 0) {
        frame.current = requestAnimationFrame(() => {
          frame.current = 0;
          const end = Date.now() / 1000;
          plot.current?.batch(() => {
            plot.current?.setData(data.current.columns(), false);
            plot.current?.setScale('x', { min: end - WINDOW_MS / 1000, max: end });
          });
        });
      }
    },
  }));

  useEffect(() => {
    const host = hostRef.current;
    if (!host || keys.length === 0) return;
    const chart = new uPlot(
      {
        width: Math.max(200, host.clientWidth),
        height: HEIGHT,
        scales: { x: { time: true } },
        series: [{}, ...keys.map((k, i) => ({ label: k, stroke: PALETTE[i % PALETTE.length], width: 1.5 }))],
        axes: [{}, { size: 50 }],
        cursor: { drag: { x: false, y: false } },
      },
      data.current.columns(),
      host,
    );
    plot.current = chart;
    const resize = new ResizeObserver(() =>
      chart.setSize({ width: Math.max(200, host.clientWidth), height: HEIGHT }),
    );
    resize.observe(host);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [keys]);

  useEffect(() => () => cancelAnimationFrame(frame.current), []);

  return (
    <figure className="serial-plot" data-testid="serial-plot" data-fields={keys.join(',')}>
      {keys.length === 0 && (
        <figcaption className="muted small">
          The plot fills once lines with numbers arrive (key=value, JSON, or comma separated).
        </figcaption>
      )}
      <div ref={hostRef} />
    </figure>
  );
});
