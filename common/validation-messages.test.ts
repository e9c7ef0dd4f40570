import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { BleUuidSchema } from './ble-uuid';
import { fieldIssues, issuesOfError, issuesText } from './validation-messages';

// shaped like the serial / MQTT / BLE connector configs the engine checks
const Config = z
  .object({
    id: z.string().min(1).max(200),
    label: z.string().max(200).optional(),
    path: z.string().min(1).max(1000),
    baudRate: z.number().int().min(50).max(20_000_000).default(115200),
    port: z.number().int().min(1).max(65535).optional(),
    dataBits: z.union([z.literal(5), z.literal(6), z.literal(7), z.literal(8)]).default(8),
    parity: z.enum(['none', 'even', 'odd']).default('none'),
    keepalive: z.number().min(0).optional(),
    deviceId: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,200}$/)
      .optional(),
    url: z
      .string()
      .regex(/^mqtts?:\/\//, 'a broker URL like mqtt://host:1883')
      .optional(),
    scan: z
      .object({ serviceUuids: z.array(BleUuidSchema).max(2).default([]) })
      .strict()
      .prefault({}),
    subscriptions: z
      .array(z.object({ topic: z.string().min(1) }))
      .min(1)
      .optional(),
  })
  .strict();

const issues = (value: unknown) => {
  const r = Config.safeParse(value);
  if (r.success) throw new Error('expected a failure');
  return fieldIssues(r.error, Config);
};

describe('plain-words validation messages', () => {
  test('every field at once, each with its allowed range in plain words', () => {
    const got = issues({
      id: '',
      label: 'x'.repeat(201),
      path: '/dev/ttyUSB0',
      baudRate: 12.5,
      port: 70000,
      dataBits: 9,
      parity: 'mark',
      keepalive: -1,
      deviceId: 'has spaces',
      url: 'http://x',
      scan: { serviceUuids: ['180F', '18F'] },
      subscriptions: [],
    });
    expect(got).toEqual([
      { path: 'id', message: 'required' },
      { path: 'label', message: 'at most 200 characters' },
      { path: 'baudRate', message: 'a whole number from 50 to 20000000' },
      { path: 'port', message: 'a whole number from 1 to 65535' },
      { path: 'dataBits', message: 'one of 5, 6, 7 or 8' },
      { path: 'parity', message: 'one of "none", "even" or "odd"' },
      { path: 'keepalive', message: 'a number of at least 0' },
      { path: 'deviceId', message: 'must be in the accepted form' },
      { path: 'url', message: 'a broker URL like mqtt://host:1883' },
      {
        path: 'scan.serviceUuids.1',
        message:
          'a Bluetooth UUID: 16-bit like 180F or 0x180F, or 128-bit like 0000180f-0000-1000-8000-00805f9b34fb',
      },
      { path: 'subscriptions', message: 'at least one item' },
    ]);
    for (const i of got) expect(i.message).not.toMatch(/Too big|Too small|Invalid|expected \w+,/);
  });

  test('missing, wrong type, unknown settings and long lists', () => {
    expect(
      issues({ id: 'a', baudRate: 'fast', extra: 1, scan: { serviceUuids: ['180f', '181a', '2a6e'] } }),
    ).toEqual([
      { path: 'path', message: 'required' },
      { path: 'baudRate', message: 'a whole number from 50 to 20000000' },
      { path: 'scan.serviceUuids', message: 'at most 2 items' },
      { path: '', message: 'unknown setting "extra"' },
    ]);
    expect(
      issuesText([
        { path: 'port', message: 'a whole number from 1 to 65535' },
        { path: '', message: 'x' },
      ]),
    ).toBe('port: a whole number from 1 to 65535; x');
  });

  test('issues travel in an RPC error’s details; anything else there is ignored', () => {
    expect(issuesOfError({ details: [{ path: 'a', message: 'b' }, { path: 1 }, 'x'] })).toEqual([
      { path: 'a', message: 'b' },
    ]);
    expect(issuesOfError(new Error('plain'))).toEqual([]);
    expect(issuesOfError(null)).toEqual([]);
  });
});
