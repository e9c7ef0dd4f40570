/**
 * Waits for something a test cannot await directly (a reading through ingest, a delivery
 * marked sent): polls the probe until it gives a value, or fails naming what it waited for.
 * `false` and `undefined` mean "not yet".
 */
export async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
