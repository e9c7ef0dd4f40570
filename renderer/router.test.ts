import { describe, expect, test } from 'vitest';
import { hrefFor, parseRoute, type Route } from './router';

describe('parseRoute', () => {
  test.each<[string, Route]>([
    ['', { name: 'fleet' }],
    ['#', { name: 'fleet' }],
    ['#/', { name: 'fleet' }],
    ['#/connections', { name: 'connections' }],
    ['#/device/th-01', { name: 'device', deviceId: 'th-01' }],
    ['#/device/th-01/', { name: 'device', deviceId: 'th-01' }],
    ['#/device/site%2Fa', { name: 'device', deviceId: 'site/a' }],
    ['#/device/%E0%A4%A', { name: 'not-found', hash: '#/device/%E0%A4%A' }],
    ['#/nowhere', { name: 'not-found', hash: '#/nowhere' }],
    ['#/storage', { name: 'storage' }],
    ['#/serial/usb-1', { name: 'serial', connectorId: 'usb-1' }],
    ['#/mqtt/broker%2F1', { name: 'mqtt', connectorId: 'broker/1' }],
    ['#/ble/radio/', { name: 'ble', connectorId: 'radio' }],
    ['#/ble/%E0%A4%A', { name: 'not-found', hash: '#/ble/%E0%A4%A' }],
    ['#/compare', { name: 'compare', series: [] }],
    [
      '#/compare?s=th-01:temperature,ble:AA-BB:rssi',
      {
        name: 'compare',
        series: [
          { deviceId: 'th-01', metric: 'temperature' },
          { deviceId: 'ble:AA-BB', metric: 'rssi' },
        ],
      },
    ],
    ['#/compare?s=th-01', { name: 'not-found', hash: '#/compare?s=th-01' }],
    ['#/compare?s=th-01:', { name: 'not-found', hash: '#/compare?s=th-01:' }],
    ['#/commission', { name: 'commission' }],
    ['#/commission/s-1', { name: 'commission-session', sessionId: 's-1' }],
    ['#/commission/batch/b%2F1', { name: 'commission-batch', batchId: 'b/1' }],
    ['#/commission/batch/', { name: 'commission-session', sessionId: 'batch' }],
    ['#/registry', { name: 'registry', deviceId: null }],
    ['#/registry/pump-07', { name: 'registry', deviceId: 'pump-07' }],
    ['#/registry/%E0%A4%A', { name: 'not-found', hash: '#/registry/%E0%A4%A' }],
    ['#/audit', { name: 'audit' }],
    ['#/credentials', { name: 'credentials' }],
    ['#/sync', { name: 'sync' }],
    ['#/firmware', { name: 'firmware' }],
    ['#/rollouts', { name: 'rollouts' }],
    ['#/profiles', { name: 'profiles', profileId: null }],
    ['#/profiles/tank-gauge', { name: 'profiles', profileId: 'tank-gauge' }],
    ['#/alarms', { name: 'alarms' }],
    ['#/alarms/rules', { name: 'alarm-rules', ruleId: null }],
    ['#/alarms/kpis', { name: 'alarm-kpis' }],
    ['#/alarms/rules/boiler-overheat', { name: 'alarm-rules', ruleId: 'boiler-overheat' }],
  ])('%s', (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
  });
});

describe('hrefFor', () => {
  test('round-trips device ids, keeping fragment-safe characters readable', () => {
    for (const deviceId of ['th-01', 'mqtt:plant/pump 3', 'ble@AA:BB', 'ünïcode', 'a+b=c']) {
      const href = hrefFor({ name: 'device', deviceId });
      expect(parseRoute(href)).toEqual({ name: 'device', deviceId });
    }
    expect(hrefFor({ name: 'device', deviceId: 'ble:AA-BB' })).toBe('#/device/ble:AA-BB');
    expect(hrefFor({ name: 'fleet' })).toBe('#/');
    expect(hrefFor({ name: 'connections' })).toBe('#/connections');
  });
});

test('compare routes round-trip any device id and metric', () => {
  const series = [
    { deviceId: 'mqtt:plant/pump 3', metric: 'flow' },
    { deviceId: 'a,b:c', metric: 'm:1,2' },
    { deviceId: 'ble@AA:BB', metric: 'temp °C' },
  ];
  const href = hrefFor({ name: 'compare', series });
  expect(parseRoute(href)).toEqual({ name: 'compare', series });
  expect(hrefFor({ name: 'compare', series: [{ deviceId: 'ble:AA-BB', metric: 'rssi' }] })).toBe(
    '#/compare?s=ble:AA-BB:rssi',
  );
  expect(hrefFor({ name: 'storage' })).toBe('#/storage');
});

test('commissioning, registry, audit and credentials routes round-trip', () => {
  const routes: Route[] = [
    { name: 'commission' },
    { name: 'commission-session', sessionId: 'cs:42' },
    { name: 'commission-batch', batchId: 'batch 2024/05' },
    { name: 'registry', deviceId: null },
    { name: 'registry', deviceId: 'mqtt:plant/pump 3' },
    { name: 'audit' },
    { name: 'credentials' },
    { name: 'sync' },
    { name: 'firmware' },
    { name: 'profiles', profileId: null },
    { name: 'profiles', profileId: 'boiler-copy-2' },
    { name: 'alarms' },
    { name: 'alarm-rules', ruleId: null },
    { name: 'alarm-kpis' },
    { name: 'alarm-rules', ruleId: 'hot_1-a' },
  ];
  for (const route of routes) expect(parseRoute(hrefFor(route))).toEqual(route);
});
