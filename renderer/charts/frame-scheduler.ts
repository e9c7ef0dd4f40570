/**
 * Coalesces redraw requests into at most one per animation frame. Live data arrives in
 * bursts (a 50 ms batch per connector, several per frame at 10 Hz per device); redrawing
 * per message would redo the same canvas work several times before anything is shown.
 */

export interface FrameScheduler {
  /** asks for one draw on the next frame; further requests before it are free */
  request(): void;
  cancel(): void;
}

export function createFrameScheduler(
  draw: () => void,
  requestFrame: (callback: () => void) => number = (cb) => requestAnimationFrame(cb),
  cancelFrame: (handle: number) => void = (handle) => cancelAnimationFrame(handle),
): FrameScheduler {
  let handle: number | null = null;
  return {
    request() {
      if (handle !== null) return;
      handle = requestFrame(() => {
        handle = null;
        draw();
      });
    },
    cancel() {
      if (handle !== null) cancelFrame(handle);
      handle = null;
    },
  };
}
