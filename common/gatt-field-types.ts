/**
 * The number types a vendor GATT characteristic's field may have (device profiles' BLE
 * mapping), with their size in bytes: for the engine's decoder and the profile editor.
 */
export const GATT_FIELD_SIZES = {
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  float32: 4,
} as const;

export type GattFieldType = keyof typeof GATT_FIELD_SIZES;

export const GATT_FIELD_TYPES = Object.keys(GATT_FIELD_SIZES) as [GattFieldType, ...GattFieldType[]];
