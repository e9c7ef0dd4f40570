/** Device clocks before 2000 or after 2100 are not clocks we can order readings by. */
const MIN_TS = 946_684_800_000;
const MAX_TS = 4_102_444_800_000;

export function isUsableDeviceTime(ts: unknown): ts is number {
  return typeof ts === 'number' && Number.isInteger(ts) && ts >= MIN_TS && ts <= MAX_TS;
}

export function isSequenceNumber(seq: unknown): seq is number {
  return typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0;
}
