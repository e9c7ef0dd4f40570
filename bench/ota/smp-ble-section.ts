/**
 * bench:ota section: SMP image upload over the simulated BLE adapter at ATT MTU 247, through
 * real noble (with-bindings) and the BLE connector, to the simulated MCUboot device serving
 * the SMP characteristic. The figure is image bytes per GATT write against the most one
 * write can carry (ATT MTU − 3 = 244 bytes); the simulation's bytes/s says how fast the
 * client drives it (the radio is not simulated, so it is no air-time figure).
 */
import { createRequire } from 'node:module';
import { createBleConnector, type Noble } from '../../main/engine/connectors/ble/ble-connector';
import { SimulatedBleBinding } from '../../main/engine/connectors/ble/simulated-binding';
import type { Logger } from '../../main/engine/log';
import { buildTestImage } from '../../main/engine/smp/mcuboot-test-image';
import { SimulatedBleMcuboot } from '../../main/engine/smp/smp-ble-simulated-device';
import { openSmpBle } from '../../main/engine/smp/smp-ble-transport';
import { SmpClient } from '../../main/engine/smp/smp-client';
import { kib, type OtaBenchSection, percent } from './section';

const MTU = 247;
const IMAGE_BYTES = 1024 * 1024;

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

async function run(bufSize: number): Promise<{ perWrite: number; rate: number; writes: number }> {
  const binding = new SimulatedBleBinding({ peripherals: [], advertiseIntervalMs: 20, latencyMs: 1 });
  const withBindings = createRequire(__filename)('@abandonware/noble/with-bindings') as (b: unknown) => Noble;
  const noble = withBindings(binding);
  const sim = new SimulatedBleMcuboot(binding, {
    address: 'c0:ff:ee:00:30:01',
    initialImage: buildTestImage(new Uint8Array(512), { major: 1, minor: 0, revision: 0 }),
    bufSize,
    bufCount: 4,
    slotSize: 1 << 24,
    mtu: MTU,
  });
  const connector = createBleConnector(
    { id: 'ble-bench', autoConnect: false },
    { readings() {}, deviceSeen() {}, statusChanged() {} },
    quiet,
    () => noble,
  );
  connector.start();
  try {
    const deadline = Date.now() + 5000;
    while (!connector.peripherals().some((p) => p.id === sim.peripheralId)) {
      if (Date.now() > deadline) throw new Error('the simulated device was not heard');
      await new Promise((r) => setTimeout(r, 10));
    }
    const { transport, release } = await openSmpBle(connector, sim.peripheralId);
    const client = new SmpClient(transport, { timeoutMs: 5000 });
    try {
      await client.mcumgrParams();
      const image = buildTestImage(
        new Uint8Array(IMAGE_BYTES - 72).map((_, i) => (i * 13) & 0xff),
        { major: 1, minor: 1, revision: 0 },
      );
      const before = transport.writes;
      const started = process.hrtime.bigint();
      await client.upload(image);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const writes = transport.writes - before;
      if (sim.stats.oversizedWrites > 0) throw new Error('a write exceeded ATT MTU − 3');
      return { perWrite: image.length / writes, rate: image.length / seconds, writes };
    } finally {
      client.close();
      release();
    }
  } finally {
    await connector.stop();
    sim.stop();
    binding.close();
  }
}

export const smpBleSection: OtaBenchSection = {
  title: `SMP upload over the simulated BLE adapter (ATT MTU ${MTU}, 1 MiB image)`,
  async run(print) {
    const max = MTU - 3;
    // Zephyr's default netbuf, and the size Nordic's samples use for fast DFU over BLE
    for (const bufSize of [384, 2475]) {
      const r = await run(bufSize);
      print(
        `buf_size ${bufSize}: ${r.perWrite.toFixed(1)} image bytes per write of at most ${max} (${percent(r.perWrite / max)}), ${r.writes} writes, ${kib(r.rate)} in the simulation`,
      );
    }
  },
};
