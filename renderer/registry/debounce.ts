/**
 * Calls `fn` with the last value once `ms` have passed without another call: a search
 * box asks the engine once per pause in typing, not once per key. flush() sends at once
 * (Enter), cancel() drops what is pending (the view unmounts).
 */
export interface Debounced<A> {
  call(value: A): void;
  flush(): void;
  cancel(): void;
  readonly pending: boolean;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const globalTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export function debounce<A>(fn: (value: A) => void, ms: number, timers: Timers = globalTimers): Debounced<A> {
  let handle: unknown = null;
  let last: { value: A } | null = null;
  const fire = () => {
    handle = null;
    const pending = last;
    last = null;
    if (pending) fn(pending.value);
  };
  return {
    call(value) {
      last = { value };
      if (handle !== null) timers.clearTimeout(handle);
      handle = timers.setTimeout(fire, ms);
    },
    flush() {
      if (handle !== null) timers.clearTimeout(handle);
      fire();
    },
    cancel() {
      if (handle !== null) timers.clearTimeout(handle);
      handle = null;
      last = null;
    },
    get pending() {
      return last !== null;
    },
  };
}
