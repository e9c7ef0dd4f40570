/**
 * Target compatibility: the image's declared hardware against the device profile's.
 * Vectors: the hand-written ESP32 app image of esp-app-vectors.ts (chip_id 0 = ESP32,
 * project_name "fieldline-probe", esp_app_format.h / esp_app_desc.h) and MCUboot images
 * whose protected TLV area carries UUID_CID 0x75 / UUID_VID 0x74 (image.h), written here
 * as literal bytes, not by Fieldline's signer.
 */
import { describe, expect, it } from 'vitest';
import { DeviceProfileSchema } from '../profiles/profile';
import { ESP32_APP } from './esp-app-vectors';
import { describeImageTarget, imageTargetOf, matchTarget, normalUuid } from './firmware-target';

/**
 * An unsigned MCUboot image by image.h: header {magic 3db8f396, load 0, hdr_size 0x20,
 * protect_tlv_size 0x2c, img_size 4, flags 0, version 1.0.0+0}, payload de ad be ef, protected
 * TLV info {6908, 0x2c} + UUID_VID (74 00 10 00 + 16 bytes) + UUID_CID (75 00 10 00 + 16 bytes),
 * TLV info {6907, 0x28} + SHA256 (10 00 20 00 + 32 bytes, not checked here).
 */
const CLASS = '0123456789abcdef0123456789abcdef';
const VENDOR = 'fedcba9876543210fedcba9876543210';
function mcubootWith(protectedTlvs: string, unprotectedTlvs = ''): Uint8Array {
  const prot = protectedTlvs
    ? `0869${(4 + protectedTlvs.length / 2).toString(16).padStart(2, '0')}00${protectedTlvs}`
    : '';
  const unprot = `10002000${'00'.repeat(32)}${unprotectedTlvs}`;
  const header =
    '3db8f396' +
    '00000000' +
    '2000' +
    (prot.length / 2).toString(16).padStart(2, '0') +
    '00' +
    '04000000' +
    '00000000' +
    '01000000' +
    '00000000' +
    '00000000';
  const hex = `${header}deadbeef${prot}0769${(4 + unprot.length / 2).toString(16).padStart(2, '0')}00${unprot}`;
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}
const VID_TLV = `74001000${VENDOR}`;
const CID_TLV = `75001000${CLASS}`;
const CLASS_UUID = '01234567-89ab-cdef-0123-456789abcdef';
const VENDOR_UUID = 'fedcba98-7654-3210-fedc-ba9876543210';

describe('what an image declares', () => {
  it('MCUboot: protected UUID_VID and UUID_CID', () => {
    expect(imageTargetOf(mcubootWith(VID_TLV + CID_TLV))).toEqual({
      kind: 'mcuboot',
      vendorId: VENDOR_UUID,
      classId: CLASS_UUID,
    });
  });

  it('MCUboot: a UUID_CID outside the protected area (not signed) does not count', () => {
    expect(imageTargetOf(mcubootWith('', CID_TLV))).toEqual({
      kind: 'mcuboot',
      vendorId: null,
      classId: null,
    });
  });

  it('ESP-IDF: chip id from the header, project name from esp_app_desc_t', () => {
    const target = imageTargetOf(ESP32_APP);
    expect(target).toEqual({ kind: 'esp-app', chipId: 0, chip: 'ESP32', project: 'fieldline-probe' });
    expect(target && describeImageTarget(target)).toBe('ESP32 · fieldline-probe');
  });

  it('garbage declares nothing', () => {
    expect(imageTargetOf(Uint8Array.from([1, 2, 3]))).toBeUndefined();
    expect(matchTarget(undefined, { mcuboot: { classId: CLASS_UUID } }).match).toBe('unknown');
  });
});

describe('image against device', () => {
  const mcu = imageTargetOf(mcubootWith(VID_TLV + CID_TLV));
  const esp = imageTargetOf(ESP32_APP);

  it('the same class (any UUID spelling) is compatible; another class or vendor is not', () => {
    expect(matchTarget(mcu, { mcuboot: { classId: CLASS.toUpperCase() } })).toEqual({
      match: 'compatible',
      reason: null,
    });
    expect(matchTarget(mcu, { mcuboot: { classId: VENDOR_UUID } })).toEqual({
      match: 'incompatible',
      reason: `the image is for hardware class ${CLASS_UUID}, the device is hardware class ${VENDOR_UUID}`,
    });
    expect(matchTarget(mcu, { mcuboot: { classId: CLASS_UUID, vendorId: CLASS_UUID } })).toMatchObject({
      match: 'incompatible',
      reason: `the image is for vendor ${VENDOR_UUID}, the device is from vendor ${CLASS_UUID}`,
    });
  });

  it('ESP-IDF: chip and project must both match', () => {
    expect(matchTarget(esp, { espIdf: { chip: 'ESP32', project: 'fieldline-probe' } }).match).toBe(
      'compatible',
    );
    expect(matchTarget(esp, { espIdf: { chip: 'ESP32-C3', project: 'fieldline-probe' } })).toEqual({
      match: 'incompatible',
      reason: 'the image is built for ESP32, the device is ESP32-C3',
    });
    expect(matchTarget(esp, { espIdf: { chip: 'ESP32', project: 'pump-controller' } })).toEqual({
      match: 'incompatible',
      reason: 'the image is the project "fieldline-probe", the device runs "pump-controller"',
    });
  });

  it('another bootloader family is incompatible', () => {
    expect(matchTarget(esp, { mcuboot: { classId: CLASS_UUID } }).match).toBe('incompatible');
    expect(matchTarget(mcu, { espIdf: { chip: 'ESP32', project: 'x' } }).match).toBe('incompatible');
  });

  it('unknown on either side is unknown, never compatible', () => {
    expect(matchTarget(mcu, undefined, 'its profile declares no firmware target')).toEqual({
      match: 'unknown',
      reason: `the image is for hardware class ${CLASS_UUID}, but its profile declares no firmware target`,
    });
    const unnamed = imageTargetOf(mcubootWith(''));
    expect(matchTarget(unnamed, { mcuboot: { classId: CLASS_UUID } }).match).toBe('unknown');
    expect(matchTarget(esp, undefined).match).toBe('unknown');
  });

  it('UUIDs are normalised; non-UUIDs are not', () => {
    expect(normalUuid(CLASS.toUpperCase())).toBe(CLASS_UUID);
    expect(normalUuid('not-a-uuid')).toBeUndefined();
  });
});

describe('a profile declares its hardware', () => {
  const base = { id: 'pump', name: 'Pump', metrics: {} };
  it('MCUboot class or ESP32 chip and project, one of them', () => {
    expect(
      DeviceProfileSchema.safeParse({ ...base, firmware: { mcuboot: { classId: CLASS_UUID } } }).success,
    ).toBe(true);
    expect(
      DeviceProfileSchema.safeParse({ ...base, firmware: { espIdf: { chip: 'ESP32-C3', project: 'pump' } } })
        .success,
    ).toBe(true);
    expect(DeviceProfileSchema.safeParse({ ...base, firmware: {} }).success).toBe(false);
    expect(DeviceProfileSchema.safeParse({ ...base, firmware: { mcuboot: { classId: 'x' } } }).success).toBe(
      false,
    );
  });
});
