import { describe, expect, test } from 'vitest';
import {
  buildBleConfig,
  buildMqttConfig,
  buildSerialConfig,
  defaultBleFields,
  defaultMqttFields,
  defaultSerialFields,
  parseTopicTemplate,
} from './connector-config';
import { appendChunks, decodeBase64, type LogChunk, logFileText, toHex, toVisibleText } from './serial-log';
import { buildTopicTree, MAX_TREE_DEPTH } from './topic-tree';

describe('connector configs', () => {
  test('serial: numbers are numbers, empty fields are left out, an id is made up', () => {
    const r = buildSerialConfig({ ...defaultSerialFields(), path: '/dev/ttyUSB0', format: 'key-value' }, []);
    expect(r).toEqual({
      ok: true,
      config: expect.objectContaining({
        id: 'serial-ttyUSB0',
        path: '/dev/ttyUSB0',
        baudRate: 115200,
        dataBits: 8,
        stopBits: 1,
      }),
    });
    if (r.ok) expect(r.config.deviceId).toBeUndefined();
    expect(
      buildSerialConfig({ ...defaultSerialFields(), path: '/dev/ttyUSB0' }, ['serial-ttyUSB0']),
    ).toMatchObject({
      config: { id: 'serial-ttyUSB0-2' },
    });
    expect(buildSerialConfig(defaultSerialFields(), []).ok).toBe(false);
  });

  test('mqtt: templates per line with pinned placeholders; something to subscribe is required', () => {
    expect(parseTopicTemplate(' plant/{site=north}/{deviceId}/{metric} ')).toEqual({
      topicTemplate: 'plant/{site}/{deviceId}/{metric}',
      fixed: { site: 'north' },
    });
    const base = { ...defaultMqttFields(), url: 'mqtt://127.0.0.1:1883' };
    expect(buildMqttConfig(base, []).ok).toBe(false);
    const r = buildMqttConfig({ ...base, topicTemplates: 'a/{deviceId}/{metric}\n\n' }, []);
    expect(r).toMatchObject({
      ok: true,
      config: { qos: 1, subscriptions: [{ topicTemplate: 'a/{deviceId}/{metric}' }] },
    });
    expect(buildMqttConfig({ ...base, sparkplug: true }, [])).toMatchObject({
      ok: true,
      config: { sparkplug: {} },
    });
    expect(buildMqttConfig({ ...base, url: 'mqtt://' }, []).ok).toBe(false);
  });

  test('mqtt: the Sparkplug reorder timeout is whole milliseconds, 10 to 60000', () => {
    const base = { ...defaultMqttFields(), url: 'mqtt://127.0.0.1:1883', sparkplug: true };
    expect(buildMqttConfig(base, [])).toMatchObject({
      ok: true,
      config: { sparkplug: { reorderTimeoutMs: 2000 } },
    });
    expect(buildMqttConfig({ ...base, sparkplugReorderMs: ' 500 ' }, [])).toMatchObject({
      config: { sparkplug: { reorderTimeoutMs: 500 } },
    });
    for (const bad of ['', '1.5', '5', '60001', 'soon'])
      expect(buildMqttConfig({ ...base, sparkplugReorderMs: bad }, [])).toEqual({
        ok: false,
        errors: { sparkplugReorderMs: 'a whole number of milliseconds from 10 to 60000' },
      });
    // without Sparkplug the field does not matter
    expect(
      buildMqttConfig(
        { ...base, sparkplug: false, topicTemplates: 'a/{deviceId}', sparkplugReorderMs: '' },
        [],
      ).ok,
    ).toBe(true);
  });

  test('ble: service list split on commas and spaces', () => {
    expect(buildBleConfig({ ...defaultBleFields(), serviceUuids: '180f, 181a 0x2a6e' }, [])).toMatchObject({
      config: { scan: { serviceUuids: ['180f', '181a', '0x2a6e'] } },
    });
  });
});

describe('serial log', () => {
  const chunk = (seq: number, text: string): LogChunk => ({
    seq,
    direction: 'rx',
    ts: 0,
    bytes: new TextEncoder().encode(text),
  });
  test('bytes as text and hex', () => {
    const bytes = decodeBase64(btoa('a=1\r\n\u0001'));
    expect(toHex(bytes)).toBe('61 3d 31 0d 0a 01');
    expect(toVisibleText(bytes)).toBe('a=1\\r\\n·');
  });
  test('the kept log is bounded, oldest first out', () => {
    const log = appendChunks([chunk(1, 'a'), chunk(2, 'b')], [chunk(3, 'c')], 2);
    expect(log.map((c) => c.seq)).toEqual([2, 3]);
    expect(logFileText(log)).toMatch(/RX b \| 62\n.*RX c \| 63\n$/);
  });
});

test('topic tree counts messages and retained topics per level', () => {
  const info = (topic: string, messages: number, retained = false) => ({ topic, messages, retained });
  const tree = buildTopicTree([info('plant/b/x', 2, true), info('plant/a', 1, true), info('other', 4)]);
  expect(tree.map((n) => [n.path, n.messages, n.retained])).toEqual([
    ['other', 4, 0],
    ['plant', 3, 2],
  ]);
  expect(tree[1]?.children.map((n) => n.path)).toEqual(['plant/a', 'plant/b']);
  const numbered = buildTopicTree([info('d/dev-10', 1), info('d/dev-9', 1), info('d/dev-100', 1)]);
  expect(numbered[0]?.children.map((n) => n.name)).toEqual(['dev-9', 'dev-10', 'dev-100']);
  expect(tree[1]?.children[1]?.children[0]?.info?.messages).toBe(2);
});

test('a topic deeper than the tree shows keeps its tail in one node, with the full topic as its path', () => {
  const topic = Array.from({ length: 30_000 }, (_, i) => `l${i}`).join('/');
  let node = buildTopicTree([{ topic, messages: 1, retained: false }])[0];
  let depth = 1;
  while (node && node.children.length > 0) {
    node = node.children[0];
    depth++;
  }
  expect(depth).toBe(MAX_TREE_DEPTH);
  expect(node?.path).toBe(topic);
  expect(node?.info?.topic).toBe(topic);
});

describe('connector form checks: every field at once, in plain words', () => {
  test('serial: a missing path, a baud rate out of range and an overlong label together', () => {
    const r = buildSerialConfig({ ...defaultSerialFields(), baudRate: '12.5', label: 'x'.repeat(201) }, []);
    expect(r).toEqual({
      ok: false,
      errors: {
        path: 'pick a port or type its path (e.g. /dev/ttyUSB0)',
        baudRate: 'a whole number from 50 to 20000000',
        label: 'at most 200 characters',
      },
    });
    expect(buildSerialConfig({ ...defaultSerialFields(), path: '/dev/x', baudRate: '' }, [])).toMatchObject({
      errors: { baudRate: 'a whole number from 50 to 20000000' },
    });
  });

  test('mqtt: no URL and nothing to subscribe to', () => {
    expect(buildMqttConfig(defaultMqttFields(), [])).toMatchObject({
      ok: false,
      errors: {
        url: expect.stringContaining('mqtt://host:1883'),
        topicTemplates: 'at least one topic template, or turn on Sparkplug B',
      },
    });
  });

  // Core Spec Vol 3 Part B §2.5.1: 16-bit 180F / 0x180F, 128-bit 0000180f-0000-1000-8000-00805f9b34fb
  test('ble: malformed service UUIDs are named, the accepted forms explained', () => {
    const r = buildBleConfig(
      { ...defaultBleFields(), serviceUuids: '180F, 18F 0000180f-0000-1000-8000-00805f9b34fb battery' },
      [],
    );
    expect(r).toEqual({
      ok: false,
      errors: {
        serviceUuids:
          '18F, battery are not a Bluetooth UUID: use 16-bit like 180F or 0x180F, or 128-bit like 0000180f-0000-1000-8000-00805f9b34fb',
      },
    });
  });
});
