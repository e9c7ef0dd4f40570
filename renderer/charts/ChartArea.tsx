/**
 * A group of charts under one set of window controls. The area takes keyboard focus
 * (clicking a plot focuses it too) and then `+`/`-`, `←`/`→` and `L` drive the window.
 */
import type { KeyboardEvent, ReactNode } from 'react';
import { chartWindow } from '../state/chart-window';
import { chartKeyAction } from './chart-keys';
import { WindowControls } from './WindowControls';

const ACTIONS = {
  'zoom-in': chartWindow.zoomIn,
  'zoom-out': chartWindow.zoomOut,
  'pan-back': () => chartWindow.panSteps(-1),
  'pan-forward': () => chartWindow.panSteps(1),
  live: chartWindow.live,
} as const;

export function ChartArea({ children }: { children: ReactNode }) {
  const onKeyDown = (event: KeyboardEvent<HTMLElement>) => {
    const action = chartKeyAction(event);
    if (!action) return;
    event.preventDefault(); // arrows would scroll the page
    ACTIONS[action]();
  };
  return (
    <section
      className="chart-area"
      data-testid="chart-area"
      // biome-ignore lint/a11y/noNoninteractiveTabindex: the area is a keyboard-driven widget (zoom, pan, live)
      tabIndex={0}
      aria-label="Charts. Plus and minus zoom, arrow keys pan, L returns to live."
      onKeyDown={onKeyDown}
    >
      <WindowControls />
      {children}
    </section>
  );
}
