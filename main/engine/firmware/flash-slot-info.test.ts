/**
 * Slot info answers as Zephyr's smp_group_1.rst "Slot info response" lays them out
 * (images → image, slots → slot/size/upload_image_id, optional max_image_size), one of
 * them as literal CBOR bytes, and the answers a device without the command gives.
 */
import { describe, expect, it } from 'vitest';
import { decodeBody } from '../smp/smp-cbor';
import { type SmpClient, SmpProtocolError } from '../smp/smp-client';
import { SmpDeviceError } from '../smp/smp-header';
import { readUploadSlotLimit, uploadSlotLimit } from './flash-slot-info';

const hex = (h: string) =>
  Uint8Array.from(h.replace(/\s+/g, '').match(/../g) ?? [], (b) => Number.parseInt(b, 16));

describe('upload slot limit from slot info', () => {
  it('literal CBOR: {"images":[{"image":0,"slots":[{"slot":0,"size":65536},{"slot":1,"size":65536}]}]}', () => {
    const body = decodeBody(
      hex(`a1 66 696d61676573 81
             a2 65 696d616765 00
                65 736c6f7473 82
                   a2 64 736c6f74 00 64 73697a65 1a 00010000
                   a2 64 736c6f74 01 64 73697a65 1a 00010000`),
    );
    expect(uploadSlotLimit(body)).toBe(65_536);
  });

  it('max_image_size wins over the raw slot size (the device subtracts its trailer)', () => {
    const body = {
      images: [
        {
          image: 0,
          slots: [
            { slot: 0, size: 0x67000 },
            { slot: 1, size: 0x67000, upload_image_id: 1 },
          ],
          max_image_size: 0x66000,
        },
      ],
    };
    expect(uploadSlotLimit(body)).toBe(0x66000);
  });

  it('no image 0 or no slot 1: unknown; malformed: a protocol error', () => {
    expect(uploadSlotLimit({ images: [{ image: 1, slots: [{ slot: 1, size: 10 }] }] })).toBeUndefined();
    expect(uploadSlotLimit({ images: [{ image: 0, slots: [{ slot: 0, size: 10 }] }] })).toBeUndefined();
    for (const bad of [
      {},
      { images: 'x' },
      { images: [{ image: 0 }] },
      { images: [{ image: 0, slots: [{ slot: 1, size: -1 }] }] },
      { images: [{ image: 0, slots: [{ slot: 1 }] }] },
      { images: [{ image: 0, slots: [], max_image_size: 'big' }] },
    ])
      expect(() => uploadSlotLimit(bad as never), JSON.stringify(bad)).toThrow(SmpProtocolError);
  });

  it('a device without the command (MGMT_ERR_ENOTSUP, v1 rc 8) leaves the limit unknown; other errors pass', async () => {
    const answering = (error: Error) => ({ request: () => Promise.reject(error) }) as unknown as SmpClient;
    expect(
      await readUploadSlotLimit(answering(new SmpDeviceError(8, 'MGMT_ERR_ENOTSUP', undefined))),
    ).toBeUndefined();
    await expect(
      readUploadSlotLimit(answering(new SmpDeviceError(3, 'MGMT_ERR_EINVAL', undefined))),
    ).rejects.toBeInstanceOf(SmpDeviceError);
  });
});
