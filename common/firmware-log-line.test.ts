import { describe, expect, test } from 'vitest';
import { parseFirmwareLogLine } from './firmware-log-line';

describe('firmware log line recogniser', () => {
  // ESPHome components/logger/logger.cpp write_header_: "%s[%s][%s:%03u]: " with
  // LOG_LEVEL_COLORS (ESPHOME_LOG_COLOR(ESPHOME_LOG_COLOR_GREEN) = "\033[0;32m") and
  // LOG_LEVEL_LETTERS E W I C D V VV; the message ends with ESPHOME_LOG_RESET_COLOR "\033[0m"
  test('ESPHome lines, with colours, the CLI time prefix and a task name', () => {
    expect(parseFirmwareLogLine('[I][boot:123]: Running through setup()...')).toEqual({
      format: 'esphome',
      level: 'info',
      tag: 'boot',
      message: 'Running through setup()...',
    });
    expect(parseFirmwareLogLine('\x1b[0;32m[I][app:029]: Running through setup()...\x1b[0m')).toMatchObject({
      level: 'info',
      tag: 'app',
      message: 'Running through setup()...',
    });
    expect(
      parseFirmwareLogLine(
        "[12:00:01]\x1b[0;36m[D][sensor:094]: 'Temperature': Sending state 21.62500 °C\x1b[0m",
      ),
    ).toMatchObject({ format: 'esphome', level: 'debug', tag: 'sensor' });
    expect(
      parseFirmwareLogLine('\x1b[1;33m[W][component:237]: Component wifi took a long time\x1b[0m'),
    ).toMatchObject({
      level: 'warn',
      tag: 'component',
    });
    expect(parseFirmwareLogLine('[C][logger:185]: Logger:')).toMatchObject({
      level: 'config',
      tag: 'logger',
    });
    expect(parseFirmwareLogLine('[VV][api.service:540]: x')).toMatchObject({
      level: 'verbose',
      tag: 'api.service',
    });
    // a non-main task: "%s[%s][%s:%03u]%s[%s]%s: " (thread name in bold red)
    expect(
      parseFirmwareLogLine('\x1b[0;32m[I][wifi:123]\x1b[1;31m[loopTask]\x1b[0;32m: connected\x1b[0m'),
    ).toMatchObject({
      level: 'info',
      tag: 'wifi',
      message: 'connected',
    });
  });

  // ESP-IDF components/log/include/esp_log.h:
  //   LOG_FORMAT(letter, format) LOG_COLOR_ ## letter #letter " (%" PRIu32 ") %s: " format LOG_RESET_COLOR "\n"
  //   LOG_SYSTEM_TIME_FORMAT(letter, format) ... #letter " (%s) %s: " ...; LOG_COLOR_I = "\033[0;32m"
  test('ESP-IDF lines, all levels, colours and system time', () => {
    expect(parseFirmwareLogLine('I (123) wifi: wifi driver task: 3ffc08b4')).toEqual({
      format: 'esp-idf',
      level: 'info',
      tag: 'wifi',
      message: 'wifi driver task: 3ffc08b4',
    });
    expect(
      parseFirmwareLogLine('\x1b[0;31mE (4521) sensor: read failed: ESP_ERR_TIMEOUT\x1b[0m'),
    ).toMatchObject({
      level: 'error',
      tag: 'sensor',
    });
    expect(
      parseFirmwareLogLine('\x1b[0;33mW (88) phy_init: saving new calibration data\x1b[0m'),
    ).toMatchObject({
      level: 'warn',
      tag: 'phy_init',
    });
    expect(parseFirmwareLogLine('D (10) cpu_start: Pro cpu up.')).toMatchObject({ level: 'debug' });
    expect(parseFirmwareLogLine('V (10) intr_alloc: Connected src 46 to int 2')).toMatchObject({
      level: 'verbose',
    });
    expect(parseFirmwareLogLine('I (12:34:56.789) main_task: Calling app_main()')).toMatchObject({
      tag: 'main_task',
    });
  });

  // Zephyr subsys/logging/log_output.c: timestamp "[%02u:%02u:%02u.%03u,%03u] " (or "[%08lu] "
  // when not formatted), severity "<%s> " from err/wrn/inf/dbg, then "%s: " the source name;
  // colours LOG_COLOR_CODE_RED "\x1B[1;31m", LOG_COLOR_CODE_YELLOW "\x1B[1;33m", reset "\x1B[0m"
  test('Zephyr lines, formatted and raw timestamps, colours', () => {
    expect(parseFirmwareLogLine('[00:00:01.234,567] <inf> main: Sensor sample ready')).toEqual({
      format: 'zephyr',
      level: 'info',
      tag: 'main',
      message: 'Sensor sample ready',
    });
    expect(
      parseFirmwareLogLine('\x1b[1;31m[00:00:00.010,000] <err> bme280: Device not ready\x1b[0m'),
    ).toMatchObject({
      level: 'error',
      tag: 'bme280',
    });
    expect(parseFirmwareLogLine('[00001234] <wrn> net_mgmt: x')).toMatchObject({
      level: 'warn',
      tag: 'net_mgmt',
    });
    expect(parseFirmwareLogLine('<dbg> os: thread started')).toMatchObject({ level: 'debug', tag: 'os' });
  });

  test('telemetry and noise are not log lines', () => {
    for (const line of [
      '{"dev":"th-1","seq":1,"temperature":21.5}',
      'temperature=21.5 humidity=40',
      'ts,dev,seq,temperature',
      '1764000000000,th-1,7,21.5,40',
      'Error: sensor gone',
      'I2C bus ok',
      '[I] missing tag',
      'W (x) tag: bad timestamp',
      '<note> tag: unknown level',
      '',
      '\x1b[0m',
    ]) {
      expect(parseFirmwareLogLine(line), line).toBeNull();
    }
  });
});
