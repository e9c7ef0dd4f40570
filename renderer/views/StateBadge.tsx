/** A colored state word; the color comes from the CSS class so the palette lives in one place. */
export function StateBadge({ state }: { state: string }) {
  return <span className={`badge state-${state}`}>{state}</span>;
}
