/**
 * npm run bench:ota: the OTA figures, one section after the other: SMP over serial, SMP
 * over BLE, rollout orchestration.
 * (cborg is ESM-only and tsx runs this package's .ts as CommonJS: the script passes
 * --conditions=import --experimental-require-module so require() loads it.)
 */
import { rolloutSection } from './rollout-section';
import type { OtaBenchSection } from './section';
import { smpBleSection } from './smp-ble-section';
import { smpSerialSection } from './smp-serial-section';

const sections: OtaBenchSection[] = [smpSerialSection, smpBleSection, rolloutSection];

async function main(): Promise<void> {
  for (const section of sections) {
    console.log(`\n${section.title}`);
    await section.run((line) => console.log(`  ${line}`));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
