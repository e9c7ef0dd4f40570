/**
 * The serial plotter: the numeric fields of the devices on this serial connector, drawn
 * by the same TimeChart as the device pages. On open it loads the window's history from
 * the store (readings.query, M4 to the plot's width) and then appends readings.live; the
 * plot keeps its own window (last 1 min / 10 min / 1 h / 24 h) so choosing one here does
 * not move the device pages' charts. Tick fields on or off under the plot.
 */
import { useLayoutEffect, useMemo, useState } from 'react';
import { createLiveFeed } from '../charts/live-feed';
import { TimeChart } from '../charts/TimeChart';
import { engine } from '../rpc/engine';
import { useDevices } from '../state/devices';
import {
  createPlotWindow,
  PLOT_WINDOWS,
  plotFields,
  shownFields,
  toggleField,
} from '../tools/serial-plot-data';

function WindowPicker({ plotWindow }: { plotWindow: ReturnType<typeof createPlotWindow> }) {
  const [current, setCurrent] = useState(plotWindow.getState().window);
  useLayoutEffect(() => plotWindow.subscribe((next) => setCurrent(next.window)), [plotWindow]);
  return (
    <fieldset className="window-picker">
      <legend>Last</legend>
      {PLOT_WINDOWS.map((p) => {
        const active = current.live && current.spanMs === p.ms;
        return (
          <button
            key={p.ms}
            type="button"
            className={active ? 'small-button active' : 'small-button'}
            aria-pressed={active}
            data-testid={`plot-window-${p.ms}`}
            onClick={() => plotWindow.preset(p.ms)}
          >
            {p.label}
          </button>
        );
      })}
      {!current.live && (
        <button type="button" className="small-button" onClick={plotWindow.live}>
          Back to live
        </button>
      )}
    </fieldset>
  );
}

export function SerialPlot({ connectorId }: { connectorId: string }) {
  const devices = useDevices((s) => s.devices);
  const fields = useMemo(() => plotFields(devices, connectorId), [devices, connectorId]);
  const [chosen, setChosen] = useState<string[] | null>(null);
  const shown = useMemo(() => shownFields(fields, chosen), [fields, chosen]);
  const series = useMemo(
    () => shown.map((f) => ({ deviceId: f.deviceId, metric: f.metric, unit: f.unit, label: f.label })),
    [shown],
  );
  const plotWindow = useMemo(() => createPlotWindow(), []);

  // one stream for the port's devices, keyed by their ids so a new device re-subscribes
  const deviceIdsKey = [...new Set(fields.map((f) => f.deviceId))].join('\n');
  const deviceIds = useMemo(() => (deviceIdsKey === '' ? [] : deviceIdsKey.split('\n')), [deviceIdsKey]);
  const feed = useMemo(() => createLiveFeed(deviceIds), [deviceIds]);
  // a layout effect runs before the chart's effects: the stream is open before history is asked for
  useLayoutEffect(() => {
    if (deviceIds.length === 0) return;
    return engine().subscribe('readings.live', { deviceIds }, (batch) => feed.dispatch(batch));
  }, [deviceIds, feed]);

  return (
    <section
      className="serial-plot"
      data-testid="serial-plot"
      data-fields={shown.map((f) => f.metric).join(',')}
    >
      <div className="toolbar" role="toolbar" aria-label="Plot controls">
        <WindowPicker plotWindow={plotWindow} />
      </div>
      {fields.length === 0 ? (
        <p className="muted small" data-testid="serial-plot-empty">
          Fields appear here once the connector decodes readings from a device on this port; their history
          comes from the store.
        </p>
      ) : (
        <>
          {series.length > 0 ? (
            <TimeChart
              series={series}
              feed={feed}
              syncKey={`serial:${connectorId}`}
              testId="serial-plot-chart"
              windowSource={plotWindow}
            />
          ) : (
            <p className="muted small">Tick a field below to plot it.</p>
          )}
          <fieldset className="plot-fields">
            <legend>Fields</legend>
            {fields.map((f) => (
              <label key={f.key} className="check">
                <input
                  type="checkbox"
                  data-testid="plot-field"
                  data-field={f.metric}
                  checked={shown.some((s) => s.key === f.key)}
                  onChange={() => setChosen(toggleField(fields, chosen, f.key))}
                />{' '}
                {f.label}
                {f.unit && <span className="muted"> ({f.unit})</span>}
              </label>
            ))}
          </fieldset>
        </>
      )}
    </section>
  );
}
