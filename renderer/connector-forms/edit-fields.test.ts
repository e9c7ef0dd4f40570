import { describe, expect, test } from 'vitest';
import { buildBleConfig, buildMqttConfig, buildSerialConfig } from '../tools/connector-config';
import { editedConfig, editStateFromConfig, formatTopicTemplate, STORED_MARKER } from './edit-fields';

/** What connectors.get answers for an MQTT connector with a stored password and key. */
const savedMqtt = {
  id: 'plant-broker',
  label: 'Plant',
  url: 'mqtts://broker.local:8883',
  username: 'fieldline',
  password: STORED_MARKER,
  cert: '-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n',
  key: STORED_MARKER,
  rejectUnauthorized: true,
  clean: false,
  qos: 2,
  subscriptions: [
    { topicTemplate: 'plant/{site}/{deviceId}/{metric}', fixed: { site: 'north' } },
    { topicTemplate: 'lab/{deviceId}/{metric}' },
  ],
  protocolVersion: 5,
  sessionExpirySec: 7200,
  topicAliasMaximum: 64,
  reconnectMinMs: 1000,
  reconnectMaxMs: 30000,
  connectTimeoutMs: 10000,
  keepaliveSec: 30,
};

describe('editing a connector with the add form', () => {
  test('mqtt: fields pre-filled, stored secrets shown empty and flagged as stored', () => {
    const state = editStateFromConfig('mqtt', savedMqtt);
    expect(state).toMatchObject({ kind: 'mqtt', id: 'plant-broker', label: 'Plant' });
    expect(state.stored).toEqual({ password: true, key: true });
    expect(state.mqtt).toMatchObject({
      url: 'mqtts://broker.local:8883',
      username: 'fieldline',
      password: '',
      key: '',
      clean: false,
      qos: '2',
      topicTemplates: 'plant/{site=north}/{deviceId}/{metric}\nlab/{deviceId}/{metric}',
      sparkplug: false,
    });
    // no marker ever lands in an input
    expect(JSON.stringify(state.mqtt)).not.toContain(STORED_MARKER);
  });

  test('mqtt: saving unchanged keeps the stored secrets and what the form has no input for', () => {
    const state = editStateFromConfig('mqtt', savedMqtt);
    const built = buildMqttConfig(state.mqtt, []);
    if (!built.ok) throw new Error(JSON.stringify(built.errors));
    const config = editedConfig(state.original, built.config, state.stored, 'mqtt');
    expect(config).toMatchObject({
      id: 'plant-broker',
      password: STORED_MARKER,
      key: STORED_MARKER,
      sessionExpirySec: 7200,
      qos: 2,
      subscriptions: savedMqtt.subscriptions,
    });
  });

  test('mqtt: a typed password replaces; "forget" sends nothing; a cleared field is cleared', () => {
    const state = editStateFromConfig('mqtt', savedMqtt);
    const built = buildMqttConfig({ ...state.mqtt, password: 'new secret', cert: '', username: '' }, []);
    if (!built.ok) throw new Error(JSON.stringify(built.errors));
    const config = editedConfig(state.original, built.config, { password: true, key: false }, 'mqtt');
    expect(config.password).toBe('new secret');
    expect('key' in config).toBe(false);
    expect('cert' in config).toBe(false);
    expect('username' in config).toBe(false);
  });

  test('the id never changes, even when the built config made one up', () => {
    const state = editStateFromConfig('mqtt', savedMqtt);
    expect(editedConfig(state.original, { id: 'mqtt-other' }, state.stored, 'mqtt').id).toBe('plant-broker');
  });

  test('serial: numbers back to the strings inputs hold, round trip to the same config', () => {
    const saved = {
      id: 'usb0',
      path: '/dev/ttyUSB0',
      baudRate: 9600,
      dataBits: 7,
      parity: 'even',
      stopBits: 2,
      flowControl: 'rtscts',
      format: 'csv',
      deviceId: 'sensor-1',
    };
    const state = editStateFromConfig('serial', saved);
    expect(state.serial).toMatchObject({ baudRate: '9600', dataBits: '7', stopBits: '2', format: 'csv' });
    expect(state.stored).toEqual({ password: false, key: false });
    const built = buildSerialConfig(state.serial, ['usb0']);
    if (!built.ok) throw new Error(JSON.stringify(built.errors));
    expect(editedConfig(state.original, built.config, state.stored, 'serial')).toEqual(saved);
  });

  test('ble: scan settings the form lacks survive, device lists too', () => {
    const saved = {
      id: 'radio',
      scan: { serviceUuids: ['181a', '180f'], namePrefix: 'TH', allowDuplicates: true },
      devices: [{ address: 'aa:bb:cc:dd:ee:ff' }],
      autoConnect: false,
    };
    const state = editStateFromConfig('ble', saved);
    expect(state.ble).toMatchObject({ serviceUuids: '181a 180f', namePrefix: 'TH', autoConnect: false });
    const built = buildBleConfig({ ...state.ble, namePrefix: 'ENV' }, []);
    if (!built.ok) throw new Error(JSON.stringify(built.errors));
    expect(editedConfig(state.original, built.config, state.stored, 'ble')).toEqual({
      ...saved,
      scan: { ...saved.scan, namePrefix: 'ENV' },
    });
  });

  test('mqtt: Sparkplug reorder timeout round-trips; the rebirth interval the form lacks survives an edit', () => {
    const saved = {
      id: 'sp',
      url: 'mqtt://broker.local',
      sparkplug: { groupId: 'Plant', reorderTimeoutMs: 750, rebirthIntervalMs: 30_000 },
    };
    const state = editStateFromConfig('mqtt', saved);
    expect(state.mqtt).toMatchObject({
      sparkplug: true,
      sparkplugGroupId: 'Plant',
      sparkplugReorderMs: '750',
    });
    const built = buildMqttConfig({ ...state.mqtt, sparkplugReorderMs: '1500' }, []);
    if (!built.ok) throw new Error(JSON.stringify(built.errors));
    expect(editedConfig(state.original, built.config, state.stored, 'mqtt').sparkplug).toEqual({
      groupId: 'Plant',
      reorderTimeoutMs: 1500,
      rebirthIntervalMs: 30_000,
    });
  });

  test('hostile or odd saved configs give a usable form, not a crash', () => {
    expect(formatTopicTemplate(42)).toBeNull();
    const state = editStateFromConfig('mqtt', {
      id: 'x',
      qos: 'seven',
      subscriptions: 'nope',
      sparkplug: {},
    });
    expect(state.mqtt).toMatchObject({ qos: '1', topicTemplates: '', sparkplug: true });
  });
});
