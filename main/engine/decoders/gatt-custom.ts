/**
 * Vendor GATT characteristics, mapped to metrics by a device profile's `ble` section:
 * which characteristic, where the number sits in its value (type, byte order, byte
 * offset) and how it becomes the metric (value = raw × scale + offset). Several metrics
 * may come from one packed characteristic.
 *
 * Values are hostile input: decoding never throws. A value that is too short, the wrong
 * length or not a finite number gives an error for the caller to count, and no reading.
 */

import { z } from 'zod';
import { BleUuidSchema } from '../../../common/ble-uuid';
import { GATT_FIELD_SIZES, type GattFieldType } from '../../../common/gatt-field-types';
import { normalizeUuid } from './gatt-extra';

export { GATT_FIELD_SIZES, type GattFieldType } from '../../../common/gatt-field-types';

const uuid = BleUuidSchema.transform(normalizeUuid);

export const BleCharacteristicMappingSchema = z
  .object({
    /** the service holding the characteristic; any service when left out */
    service: uuid.optional(),
    characteristic: uuid,
    /** a metric of the same profile: its unit and limits apply */
    metric: z.string().regex(/^[a-zA-Z0-9_.-]+$/),
    type: z.enum(Object.keys(GATT_FIELD_SIZES) as [GattFieldType, ...GattFieldType[]]),
    endian: z.enum(['little', 'big']).default('little'),
    /** where the field starts in the value, for packed characteristics */
    byteOffset: z.number().int().min(0).max(508).default(0),
    /** the value must be exactly this long; otherwise it must at least hold the field */
    length: z.number().int().min(1).max(512).optional(),
    scale: z
      .number()
      .finite()
      .refine((s) => s !== 0, 'scale must not be 0')
      .default(1),
    offset: z.number().finite().default(0),
    /** must equal the metric's unit: a profile that disagrees with itself is a mistake */
    unit: z.string().optional(),
    /** the raw value the device sends for "not known" (as 0x8000 in the standard temperature) */
    notAvailable: z.number().optional(),
  })
  .strict()
  .refine((m) => m.length === undefined || m.length >= m.byteOffset + GATT_FIELD_SIZES[m.type], {
    message: 'length is too short for byteOffset and type',
  });

export type BleCharacteristicMapping = z.output<typeof BleCharacteristicMappingSchema>;

export const BleProfileSchema = z
  .object({ characteristics: z.array(BleCharacteristicMappingSchema).max(64) })
  .strict();

export type BleProfile = z.output<typeof BleProfileSchema>;

/** value: a number, or null when the device said "not known"; error: nothing to store, count it */
export type MappedValue = { value: number | null; error: null } | { value: null; error: string };

function fail(mapping: BleCharacteristicMapping, what: string): MappedValue {
  return { value: null, error: `${mapping.metric} (${mapping.characteristic}): ${what}` };
}

/** The shortest decimal that is the same float32 (23.12, not 23.1200008392334). */
function shortestFloat32(f: number): number {
  if (!Number.isFinite(f)) return f;
  for (let digits = 1; digits < 9; digits++) {
    const d = Number(f.toPrecision(digits));
    if (Math.fround(d) === f) return d;
  }
  return f;
}

export function decodeMapped(mapping: BleCharacteristicMapping, data: Uint8Array): MappedValue {
  if (!(data instanceof Uint8Array)) return fail(mapping, 'value is not a byte buffer');
  const size = GATT_FIELD_SIZES[mapping.type];
  if (mapping.length !== undefined && data.length !== mapping.length) {
    return fail(mapping, `expected ${mapping.length} bytes, got ${data.length}`);
  }
  if (data.length < mapping.byteOffset + size) {
    return fail(mapping, `expected at least ${mapping.byteOffset + size} bytes, got ${data.length}`);
  }
  const v = new DataView(data.buffer, data.byteOffset + mapping.byteOffset, size);
  const le = mapping.endian === 'little';
  let raw: number;
  switch (mapping.type) {
    case 'int8':
      raw = v.getInt8(0);
      break;
    case 'uint8':
      raw = v.getUint8(0);
      break;
    case 'int16':
      raw = v.getInt16(0, le);
      break;
    case 'uint16':
      raw = v.getUint16(0, le);
      break;
    case 'int32':
      raw = v.getInt32(0, le);
      break;
    case 'uint32':
      raw = v.getUint32(0, le);
      break;
    case 'float32':
      raw = shortestFloat32(v.getFloat32(0, le));
      break;
  }
  if (mapping.notAvailable !== undefined && raw === mapping.notAvailable) return { value: null, error: null };
  if (!Number.isFinite(raw)) return fail(mapping, `not a finite number (${raw})`);
  const value = raw * mapping.scale + mapping.offset;
  if (!Number.isFinite(value)) return fail(mapping, 'scaled value is not finite');
  // float noise from the scale (2312 × 0.01 = 23.120000000000001) is not information
  return { value: Number(value.toPrecision(12)), error: null };
}

/** The mappings of a profile for one characteristic (service and characteristic normalised). */
export function mappingsFor(
  profile: BleProfile | undefined,
  service: string,
  characteristic: string,
): BleCharacteristicMapping[] {
  if (!profile) return [];
  const s = normalizeUuid(service);
  const c = normalizeUuid(characteristic);
  return profile.characteristics.filter(
    (m) => m.characteristic === c && (m.service === undefined || m.service === s),
  );
}
