/**
 * --simulated-ble: the simulated Bluetooth adapter BLE connectors use instead of the
 * machine's, with two environmental sensors that notify once a second (as their
 * Measurement Interval says). With --simulated-mcuboot it also has a Zephyr device with
 * MCUboot serving SMP on its GATT characteristic, running 1.0.0, to flash over Bluetooth.
 * Each BLE connector gets an adapter, and so a device, of its own.
 */
import { SimulatedBleBinding } from '../engine/connectors/ble/simulated-binding';
import type { NobleBindingSource } from '../engine/connectors/factories';
import { buildTestImage } from '../engine/smp/mcuboot-test-image';
import { SimulatedBleMcuboot } from '../engine/smp/smp-ble-simulated-device';

/** the device's address: its registry id is "zephyr-mcuboot-b1e0" */
export const SIMULATED_MCUBOOT_ADDRESS = 'c0:ff:ee:00:b1:e0';

export function simulatedBle(options: { mcuboot: boolean }): NobleBindingSource {
  return {
    description: 'Simulated Bluetooth adapter (--simulated-ble)',
    create: () => {
      const binding = new SimulatedBleBinding({ notifyIntervalMs: 1000, seed: Date.now() });
      if (options.mcuboot)
        new SimulatedBleMcuboot(binding, {
          address: SIMULATED_MCUBOOT_ADDRESS,
          name: 'Zephyr MCUboot',
          initialImage: buildTestImage(new Uint8Array(4096).fill(0x5a), { major: 1, minor: 0, revision: 0 }),
          // Nordic's suggested buffer for fast DFU; a flash page write takes a while
          bufSize: 2475,
          bufCount: 4,
          flashDelayMs: 30,
        });
      return binding;
    },
  };
}
