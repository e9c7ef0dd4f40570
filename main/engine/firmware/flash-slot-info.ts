/**
 * How large an image the device's upload slot takes, from SMP "slot info" (image group,
 * command 6, Zephyr smp_group_1.rst, CONFIG_MCUMGR_GRP_IMG_SLOT_INFO): `max_image_size`
 * when the device gives it (it knows its MCUboot trailer), else the size of slot 1 (the
 * slot uploads go to). A device without the command answers MGMT_ERR_ENOTSUP: then the
 * size is unknown here and the device's own length check on the first chunk decides.
 */
import type { SmpBody } from '../smp/smp-cbor';
import { type SmpClient, SmpProtocolError } from '../smp/smp-client';
import { SmpDeviceError, SmpGroup, SmpOp } from '../smp/smp-header';

const SLOT_INFO = 6;
/** MGMT_ERR_ENOTSUP (mgmt_defines.h): the command is not built into the device */
const ENOTSUP = 8;

const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** The limit for image 0 in a slot info answer, or undefined when it names none. */
export function uploadSlotLimit(body: SmpBody): number | undefined {
  const images = body.images;
  if (!Array.isArray(images)) throw new SmpProtocolError('slot info answer has no `images` list');
  const image = images.find(
    (e): e is SmpBody =>
      !!e &&
      typeof e === 'object' &&
      !Array.isArray(e) &&
      !(e instanceof Uint8Array) &&
      (e as SmpBody).image === 0,
  );
  if (!image) return undefined;
  if (image.max_image_size !== undefined) {
    if (!isUint(image.max_image_size)) throw new SmpProtocolError('slot info: bad `max_image_size`');
    return image.max_image_size;
  }
  if (!Array.isArray(image.slots)) throw new SmpProtocolError('slot info: image 0 has no `slots` list');
  const upload = image.slots.find(
    (s): s is SmpBody => !!s && typeof s === 'object' && !Array.isArray(s) && (s as SmpBody).slot === 1,
  );
  if (!upload) return undefined;
  if (!isUint(upload.size)) throw new SmpProtocolError('slot info: slot 1 has no usable `size`');
  return upload.size;
}

export async function readUploadSlotLimit(client: SmpClient): Promise<number | undefined> {
  try {
    return uploadSlotLimit(await client.request(SmpOp.read, SmpGroup.image, SLOT_INFO, {}));
  } catch (e) {
    if (e instanceof SmpDeviceError && e.group === undefined && e.rc === ENOTSUP) return undefined;
    throw e;
  }
}
