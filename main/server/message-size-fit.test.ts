/**
 * The biggest messages the UI sends must fit what the headless host accepts from a browser:
 * a firmware chunk is base64 in a JSON request, and a chunk the host refuses breaks every
 * import bigger than one chunk (found when the two limits were changed on separate branches).
 */
import { expect, test } from 'vitest';
import { FIRMWARE_CHUNK_BYTES } from '../../common/firmware-contract';
import { DEFAULT_HOST_LIMITS } from './headless-server';

test('a firmware import chunk, base64 in its request, fits one WebSocket message of the host', () => {
  const request = JSON.stringify({
    id: 2_147_483_647,
    method: 'firmware.import.chunk',
    params: {
      uploadId: 'x'.repeat(64),
      offset: 32 * 1024 * 1024,
      dataBase64: 'A'.repeat(Math.ceil(FIRMWARE_CHUNK_BYTES / 3) * 4),
    },
  });
  expect(Buffer.byteLength(request)).toBeLessThan(DEFAULT_HOST_LIMITS.maxPayloadBytes);
});
