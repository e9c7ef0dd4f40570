/**
 * The configuration protocol over BLE: a custom GATT service with one characteristic the
 * host writes request lines into (cut to the ATT MTU) and one the device notifies reply
 * lines on (cut the same way). The lines are byte for byte those of the serial flavour.
 */
export const CONFIG_BLE = {
  service: '6e7f0001-2b1c-4d3a-9e8f-46494c434647',
  /** host → device, write with response */
  rx: '6e7f0002-2b1c-4d3a-9e8f-46494c434647',
  /** device → host, notify */
  tx: '6e7f0003-2b1c-4d3a-9e8f-46494c434647',
} as const;
