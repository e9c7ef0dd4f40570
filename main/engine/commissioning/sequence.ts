/**
 * Counts a name up for the next device of a batch, keeping its zero padding:
 * pump-07 → pump-08, pump-99 → pump-100, sensor → sensor-2.
 */
export function nextInSequence(text: string): string {
  const match = /^(.*?)(\d+)(\D*)$/.exec(text);
  if (!match) return `${text}-2`;
  const [, head = '', digits = '', tail = ''] = match;
  const next = String(Number.parseInt(digits, 10) + 1).padStart(digits.length, '0');
  return `${head}${next}${tail}`;
}
