/**
 * The Improv serial client against a device that answers with literal bytes, over a real
 * socat pty: what current ESPHome sends (Improv SDK 1.2.4: every RPC result carries one
 * 0x00 more than its declared data length, the frame length counting it), stray and
 * garbled answers. Frames are written out byte by byte as in improv-serial-codec.test.ts
 * ("IMPROV", version 01, type, length, data, checksum = sum of the preceding bytes & 0xFF,
 * then ESPHome's newline).
 */
import { describe, expect, test } from 'vitest';
import type { DeviceChannel } from './device-channel';
import { SerialStreamSplitter } from './improv-serial-codec';
import { ptyPairPerTest } from './pty-fixture';

/** RPC command bytes (Improv serial spec) the scripted device answers */
const WIFI_SETTINGS = 0x01;
const DEVICE_INFO = 0x03;
const SCAN = 0x04;
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const IMPROV = '49 4d 50 52 4f 56 01';
const frame = (rest: string) => hex(`${IMPROV} ${rest} 0a`);

const ESPHOME = {
  /** "ESPHome", "2024.6.0", "ESP32C3", "kitchen-plug", then 0x00: length 0x29 = 0x26 + 3 */
  deviceInfo: frame(
    '04 29 03 26 07 45 53 50 48 6f 6d 65 08 32 30 32 34 2e 36 2e 30 07 45 53 50 33 32 43 33 0c 6b 69 74 63 68 65 6e 2d 70 6c 75 67 00 df',
  ),
  /** "PlantNet", "-52", "YES" */
  scan1: frame('04 14 04 11 08 50 6c 61 6e 74 4e 65 74 03 2d 35 32 03 59 45 53 00 c4'),
  /** "Guest", "-75", "NO" */
  scan2: frame('04 10 04 0d 05 47 75 65 73 74 03 2d 37 35 02 4e 4f 00 4b'),
  scanEnd: frame('04 03 04 00 00 e9'),
  /** Wi-Fi settings result: "http://192.168.1.77:80" */
  redirect: frame('04 1a 01 17 16 68 74 74 70 3a 2f 2f 31 39 32 2e 31 36 38 2e 31 2e 37 37 3a 38 30 00 88'),
  noError: frame('02 01 00 e1'),
  provisioning: frame('01 01 03 e3'),
  provisioned: frame('01 01 04 e4'),
};
/** a scan result (command 04) that declares 9 data bytes and carries 3 */
const MALFORMED_SCAN = frame('04 05 04 09 02 2d 35 58');
/** the ESPHome device-info frame with its checksum 0xdf changed to 0xde */
const BAD_CHECKSUM_INFO = Buffer.from(ESPHOME.deviceInfo);
BAD_CHECKSUM_INFO[BAD_CHECKSUM_INFO.length - 2] = 0xde;

const pty = ptyPairPerTest();

/** A device that answers each RPC command byte with the given literal frames. */
async function scriptedDevice(answers: Record<number, Buffer[]>): Promise<DeviceChannel> {
  const port = await pty.openRaw(pty.pair.b);
  const splitter = new SerialStreamSplitter((event) => {
    if (event.kind !== 'frame' || event.frame.type !== 0x03) return;
    for (const bytes of answers[event.frame.data[0]!] ?? []) port.write(bytes);
  });
  port.on('data', (chunk: Buffer) => splitter.push(chunk));
  return await pty.openChannel();
}

describe('Improv serial client vs what devices really send', () => {
  test('an ESPHome device (trailing 0x00 on every result): device info, Wi-Fi scan and the redirect URL', async () => {
    const ch = await scriptedDevice({
      [DEVICE_INFO]: [ESPHOME.noError, ESPHOME.deviceInfo],
      [SCAN]: [ESPHOME.noError, ESPHOME.scan1, ESPHOME.scan2, ESPHOME.scanEnd],
      [WIFI_SETTINGS]: [ESPHOME.noError, ESPHOME.provisioning, ESPHOME.provisioned, ESPHOME.redirect],
    });
    expect(await ch.improv.deviceInfo(2_000)).toEqual({
      firmwareName: 'ESPHome',
      firmwareVersion: '2024.6.0',
      chipFamily: 'ESP32C3',
      deviceName: 'kitchen-plug',
      extra: [],
    });
    expect(await ch.improv.scanWifi(2_000)).toEqual([
      { ssid: 'PlantNet', rssi: -52, auth: 'YES', secured: true },
      { ssid: 'Guest', rssi: -75, auth: 'NO', secured: false },
    ]);
    expect(await ch.improv.sendWifi('PlantNet', 'secret', 2_000)).toEqual({
      redirectUrl: 'http://192.168.1.77:80',
    });
  });

  test('a malformed result for another command does not abort the exchange in progress', async () => {
    // a late, damaged scan result arrives while device info is being asked for
    const ch = await scriptedDevice({ [DEVICE_INFO]: [MALFORMED_SCAN, ESPHOME.deviceInfo] });
    expect(await ch.improv.deviceInfo(2_000)).toMatchObject({ firmwareName: 'ESPHome' });
  });

  test('an answer that cannot be read is reported as garbled, not as silence', async () => {
    const ch = await scriptedDevice({ [DEVICE_INFO]: [BAD_CHECKSUM_INFO], [SCAN]: [MALFORMED_SCAN] });
    const info = await ch.improv.deviceInfo(500).catch((e: unknown) => e);
    expect(info).toMatchObject({ name: 'ImprovError', kind: 'bad-response' });
    expect((info as Error).message).toMatch(/answered .* could not be read .*checksum/);
    // this command's own result, malformed: refused at once, naming the damage
    const scan = await ch.improv.scanWifi(2_000).catch((e: unknown) => e);
    expect(scan).toMatchObject({ kind: 'bad-response', message: /declares 9 data bytes/ });
    // and a device that says nothing is still a timeout
    const silent = await ch.improv.currentState(300).catch((e: unknown) => e);
    expect(silent).toMatchObject({ kind: 'timeout' });
  });
});
