/**
 * CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor), the
 * checksum most small binary serial protocols append to a frame. Check value: the
 * ASCII bytes "123456789" give 0x29B1.
 */
const TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

export function crc16CcittFalse(data: Uint8Array, start = 0, end = data.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >>> 8) ^ data[i]!) & 0xff]!;
  return crc;
}

/** payload followed by its CRC, big-endian */
export function appendCrc16(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + 2);
  out.set(payload, 0);
  const crc = crc16CcittFalse(payload);
  out[payload.length] = crc >>> 8;
  out[payload.length + 1] = crc & 0xff;
  return out;
}

/** the payload of a frame whose last two bytes are its big-endian CRC, or null if they do not match */
export function checkCrc16(frame: Uint8Array): Uint8Array | null {
  if (frame.length < 2) return null;
  const end = frame.length - 2;
  const expected = (frame[end]! << 8) | frame[end + 1]!;
  return crc16CcittFalse(frame, 0, end) === expected ? frame.subarray(0, end) : null;
}
