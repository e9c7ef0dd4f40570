/**
 * A simulated factory-fresh device on a serial line, for trying the commissioning wizard
 * without hardware:
 *
 *   npx tsx main/engine/provisioning/simulated-device-cli.ts [--serial FL-0001]
 *       [--network "SSID:password:-55"]... [--state-file device.json] [--esphome-framing]
 *
 * Makes a socat pty pair, attaches the device to one end and prints the other end's path
 * to open in Fieldline. Runs until Ctrl-C.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PtyPair } from '../connectors/serial/pty-pair';
import { type SimulatedNetwork, SimulatedProvisionableDevice } from './simulated-device';

function network(spec: string): SimulatedNetwork {
  const [ssid, password = '', rssi = '-55'] = spec.split(':');
  if (!ssid) throw new Error(`--network wants "SSID:password:rssi", got ${JSON.stringify(spec)}`);
  return { ssid, password, rssi: Number(rssi) || -55 };
}

const USAGE = `Usage: npm run sim:device -- [options]
  --serial FL-0001           serial number (random by default)
  --model FL-ENV-2           model name
  --network "SSID:pw:-55"    a Wi-Fi network around the device (repeatable; default FieldlineLab / Plant-Guest)
  --state-file device.json   keep Wi-Fi, configuration and credentials across restarts
  --esphome-framing          frame Improv results as current ESPHome does (one trailing 0x00 byte)
  --help                     this text
Makes a socat pty pair, attaches a factory-fresh device (Improv + FLCFG1) to one end and
prints the other end's path to open in Fieldline's commissioning wizard.
`;

const OPTIONS = {
  serial: { type: 'string' },
  network: { type: 'string', multiple: true },
  'state-file': { type: 'string' },
  model: { type: 'string' },
  'esphome-framing': { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

function parse() {
  try {
    return parseArgs({ options: OPTIONS }).values;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const values = parse();
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const networks = (values.network ?? ['FieldlineLab:fieldline123:-48', 'Plant-Guest::-71']).map(network);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-sim-device-'));
  const pair = new PtyPair(path.join(dir, 'ttyFIELDLINE'), path.join(dir, 'ttyDEVICE'));
  await pair.start();
  const device = new SimulatedProvisionableDevice({
    ...(values.serial ? { serialNumber: values.serial } : {}),
    ...(values.model ? { model: values.model } : {}),
    ...(values['state-file'] ? { stateFile: values['state-file'] } : {}),
    improvFraming: values['esphome-framing'] ? 'esphome' : 'spec',
    networks,
    logIntervalMs: 5_000,
  });
  await device.attachSerial(pair.b);
  process.stdout.write(
    [
      `Simulated device ${device.serialNumber} is on the line${values['esphome-framing'] ? ' (ESPHome Improv framing)' : ''}.`,
      `Open this serial port in Fieldline: ${pair.a}`,
      `Wi-Fi networks around it: ${networks.map((n) => `${n.ssid} (${n.password ? `password "${n.password}"` : 'open'})`).join(', ')}`,
      'Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  const stop = async () => {
    await device.close();
    await pair.stop();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
