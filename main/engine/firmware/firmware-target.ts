/**
 * Target compatibility: which hardware an image is built for, which hardware a device is,
 * and whether the two fit. Unknown on either side is its own answer, never a silent yes:
 * the caller must refuse it or record an explicit override.
 *
 * What an image says about its target:
 * - MCUboot: the UUID_VID (0x74) and UUID_CID (0x75) TLVs of image.h / imgtool (`--vid`,
 *   `--cid`), 16 raw bytes each, which MCUboot itself compares with the board's own ids
 *   (MCUBOOT_UUID_VID / MCUBOOT_UUID_CID). Only protected TLVs count: an unprotected TLV
 *   is outside the hash and the signature, so anyone could rewrite it.
 * - ESP-IDF: esp_image_header_t.chip_id (what esp_https_ota compares: "Mismatch chip id")
 *   and esp_app_desc_t.project_name (the app the device runs; another project on the same
 *   chip is another product).
 * A device declares its target in its profile (`firmware`, see profiles/profile.ts).
 */
import { ESP_IMAGE_MAGIC, espChipName, parseEspAppImage } from './esp-app-image';
import { parseMcubootImage } from './mcuboot-image';

export const TLV_UUID_VID = 0x74;
export const TLV_UUID_CID = 0x75;

export type ImageTarget =
  | { kind: 'mcuboot'; vendorId: string | null; classId: string | null }
  | { kind: 'esp-app'; chipId: number; chip: string; project: string };

/** What a device profile declares (DeviceProfile['firmware']). */
export interface DeviceTarget {
  mcuboot?: { classId: string; vendorId?: string | undefined } | undefined;
  espIdf?: { chip: string; project: string } | undefined;
}

/** A device's declared target, or why it is not known. */
export type DeviceTargetLookup = { target: DeviceTarget } | { unknown: string };

export type TargetMatch =
  | { match: 'compatible'; reason: null }
  | { match: 'incompatible' | 'unknown'; reason: string };

/** The target an image declares, or undefined when the bytes are neither format. */
export function imageTargetOf(bytes: Uint8Array): ImageTarget | undefined {
  if (bytes[0] === ESP_IMAGE_MAGIC) {
    const esp = parseEspAppImage(bytes);
    if (!esp.ok) return undefined;
    const chipId = esp.value.header.chipId;
    return { kind: 'esp-app', chipId, chip: espChipName(chipId), project: esp.value.appDesc.projectName };
  }
  const parsed = parseMcubootImage(bytes);
  if (!parsed.ok) return undefined;
  const uuid = (type: number) => {
    const tlv = parsed.value.tlvs.find((t) => t.type === type && t.protected && t.value.length === 16);
    return tlv ? formatUuid(tlv.value) : null;
  };
  return { kind: 'mcuboot', vendorId: uuid(TLV_UUID_VID), classId: uuid(TLV_UUID_CID) };
}

/** How the target reads in the library: "class 1b4e…", "ESP32-C3 · fieldline-probe". */
export function describeImageTarget(target: ImageTarget): string | null {
  if (target.kind === 'esp-app') return target.project ? `${target.chip} · ${target.project}` : target.chip;
  return target.classId ? `hardware class ${target.classId}` : null;
}

export function formatUuid(bytes: Uint8Array): string {
  const h = Buffer.from(bytes).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** UUID text as a profile may write it (any case, dashes or not) to the form formatUuid gives. */
export function normalUuid(text: string): string | undefined {
  const hex = text.replace(/-/g, '').toLowerCase();
  return /^[0-9a-f]{32}$/.test(hex) ? formatUuid(Buffer.from(hex, 'hex')) : undefined;
}

/**
 * Whether an image fits a device. `device` undefined: the device's model is not known
 * (`unknownDevice` says why, e.g. "its profile declares no firmware target").
 */
export function matchTarget(
  image: ImageTarget | undefined,
  device: DeviceTarget | undefined,
  unknownDevice = 'the device has no profile that declares its hardware',
): TargetMatch {
  if (!image) return { match: 'unknown', reason: 'the image is neither an MCUboot nor an ESP-IDF app image' };
  if (image.kind === 'mcuboot') return matchMcuboot(image, device, unknownDevice);
  return matchEsp(image, device, unknownDevice);
}

export function matchDevice(image: ImageTarget | undefined, device: DeviceTargetLookup): TargetMatch {
  return 'target' in device
    ? matchTarget(image, device.target)
    : matchTarget(image, undefined, device.unknown);
}

/** The firmware target a registry device's profile declares, or why there is none. */
export function registryDeviceTarget(
  registry: {
    get(id: string): { name: string } | undefined;
    profileOf(id: string): { id: string; firmware?: DeviceTarget | undefined } | undefined;
  },
  deviceId: string,
): DeviceTargetLookup {
  const name = registry.get(deviceId)?.name ?? deviceId;
  const profile = registry.profileOf(deviceId);
  if (!profile) return { unknown: `${name} has no profile that says which hardware it is` };
  if (!profile.firmware)
    return { unknown: `the profile "${profile.id}" of ${name} declares no firmware target` };
  return { target: profile.firmware };
}

function matchMcuboot(
  image: Extract<ImageTarget, { kind: 'mcuboot' }>,
  device: DeviceTarget | undefined,
  unknownDevice: string,
): TargetMatch {
  if (device?.espIdf && !device.mcuboot)
    return incompatible(`it is an MCUboot image and the device is an ${device.espIdf.chip} running ESP-IDF`);
  if (!image.classId)
    return unknown('the image names no hardware (no protected UUID_CID TLV, imgtool --cid)');
  const declared = device?.mcuboot;
  if (!declared) return unknown(`the image is for hardware class ${image.classId}, but ${unknownDevice}`);
  const classId = normalUuid(declared.classId);
  if (classId !== image.classId)
    return incompatible(
      `the image is for hardware class ${image.classId}, the device is hardware class ${classId ?? declared.classId}`,
    );
  const vendorId = declared.vendorId === undefined ? undefined : normalUuid(declared.vendorId);
  if (image.vendorId && vendorId && image.vendorId !== vendorId)
    return incompatible(`the image is for vendor ${image.vendorId}, the device is from vendor ${vendorId}`);
  return { match: 'compatible', reason: null };
}

function matchEsp(
  image: Extract<ImageTarget, { kind: 'esp-app' }>,
  device: DeviceTarget | undefined,
  unknownDevice: string,
): TargetMatch {
  if (device?.mcuboot && !device.espIdf)
    return incompatible(`it is an ESP-IDF image (${image.chip}) and the device runs MCUboot`);
  const declared = device?.espIdf;
  if (!declared) return unknown(`the image is for ${image.chip}, but ${unknownDevice}`);
  // same wording as esp_https_ota's "Mismatch chip id, expected %d, found %d", in plain words
  if (declared.chip.toUpperCase() !== image.chip.toUpperCase())
    return incompatible(`the image is built for ${image.chip}, the device is ${declared.chip}`);
  if (!image.project) return unknown('the image names no project (esp_app_desc_t.project_name is empty)');
  if (declared.project !== image.project)
    return incompatible(`the image is the project "${image.project}", the device runs "${declared.project}"`);
  return { match: 'compatible', reason: null };
}

const incompatible = (reason: string): TargetMatch => ({ match: 'incompatible', reason });
const unknown = (reason: string): TargetMatch => ({ match: 'unknown', reason });
