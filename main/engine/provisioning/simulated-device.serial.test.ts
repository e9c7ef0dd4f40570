/**
 * The simulated device's Improv serial bytes, checked against literal frames over a real
 * socat pty: it must behave like ESPHome firmware, not like Fieldline's own encoder.
 *   - ESPHome framing: improv_serial_component.cpp send_response_ sets the frame length
 *     to the size of improv SDK 1.2.4's build_rpc_response(..., false) buffer, which ends
 *     in an unused checksum byte left 0x00.
 *   - A frame with a wrong checksum: SDK parse_improv_serial_byte calls
 *     on_error(ERROR_INVALID_RPC) and ESPHome sends error state 0x01.
 *   - An RPC command whose declared length does not match: SDK parse_improv_data returns
 *     UNKNOWN, which ESPHome answers with ERROR_UNKNOWN_RPC (0x02).
 */
import { describe, expect, test } from 'vitest';
import { ptyPairPerTest } from './pty-fixture';
import { type ImprovFraming, SimulatedProvisionableDevice } from './simulated-device';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const IMPROV = '49 4d 50 52 4f 56 01';
/** RPC command 03 (device info), no data: 0x1dd + 01 + 03 + 02 + 03 + 00 = 0x1e6 */
const ASK_INFO = hex(`${IMPROV} 03 02 03 00 e6 0a`);
/** the device's strings: "ESPHome", "2024.6.0", "ESP32C3", "kitchen-plug" (38 bytes with their lengths) */
const STRINGS =
  '07 45 53 50 48 6f 6d 65 08 32 30 32 34 2e 36 2e 30 07 45 53 50 33 32 43 33 0c 6b 69 74 63 68 65 6e 2d 70 6c 75 67';
const INFO_ESPHOME = hex(`${IMPROV} 04 29 03 26 ${STRINGS} 00 df 0a`);
const INFO_SPEC = hex(`${IMPROV} 04 28 03 26 ${STRINGS} de 0a`);
const ERROR_INVALID_RPC = hex(`${IMPROV} 02 01 01 e2 0a`);
const ERROR_UNKNOWN_RPC = hex(`${IMPROV} 02 01 02 e3 0a`);

let device: SimulatedProvisionableDevice | undefined;

const pty = ptyPairPerTest(async () => {
  await device?.close();
  device = undefined;
});

/** The device on the far end and a raw host port: send bytes, wait for bytes. */
async function rawDevice(improvFraming?: ImprovFraming) {
  device = new SimulatedProvisionableDevice({
    serialNumber: 'FL-RAW-1',
    firmwareName: 'ESPHome',
    firmwareVersion: '2024.6.0',
    chipFamily: 'ESP32C3',
    model: 'kitchen-plug',
    logIntervalMs: 0,
    ...(improvFraming ? { improvFraming } : {}),
  });
  await device.attachSerial(pty.pair.b);
  const port = await pty.openRaw(pty.pair.a);
  let received = Buffer.alloc(0);
  port.on('data', (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
  });
  return {
    send: (bytes: Buffer) => port.write(bytes),
    received: () => received,
    /** resolves true once `bytes` appear in what the device sent, false after `ms` */
    async waitFor(bytes: Buffer, ms = 1_500): Promise<boolean> {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        if (received.includes(bytes)) return true;
        await new Promise((r) => setTimeout(r, 20));
      }
      return received.includes(bytes);
    },
  };
}

describe('simulated device: Improv serial bytes as ESPHome sends them', () => {
  test('ESPHome framing: the device-info result has frame length 0x29 and a 0x00 after the strings', async () => {
    const d = await rawDevice('esphome');
    d.send(ASK_INFO);
    expect(await d.waitFor(INFO_ESPHOME)).toBe(true);
    expect(d.received().includes(INFO_SPEC)).toBe(false);
  });

  test('spec framing (the default): frame length 0x28, the checksum right after the strings', async () => {
    const d = await rawDevice();
    d.send(ASK_INFO);
    expect(await d.waitFor(INFO_SPEC)).toBe(true);
  });

  test('a frame with a wrong checksum is answered with error state 0x01 (invalid RPC), not ignored', async () => {
    const d = await rawDevice('esphome');
    d.send(hex(`${IMPROV} 03 02 03 00 e7 0a`)); // ASK_INFO with checksum 0xe6 changed to 0xe7
    expect(await d.waitFor(ERROR_INVALID_RPC)).toBe(true);
    expect(d.received().includes(INFO_ESPHOME)).toBe(false);
  });

  test('an RPC command whose data length does not match is answered with error state 0x02 (unknown RPC)', async () => {
    const d = await rawDevice('esphome');
    // command 03 declaring 0 data bytes but carrying one: 0x1dd + 01 + 03 + 03 + 03 + 00 + 00 = 0x1e7
    d.send(hex(`${IMPROV} 03 03 03 00 00 e7 0a`));
    expect(await d.waitFor(ERROR_UNKNOWN_RPC)).toBe(true);
  });
});
