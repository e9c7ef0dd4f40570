import { describe, expect, test } from 'vitest';
import { editStateFromConfig } from '../connector-forms/edit-fields';
import { buildMqttConfig, defaultMqttFields } from './connector-config';
import {
  buildMapping,
  emptyMapping,
  emptyRow,
  type MappingFields,
  mappingFromConfig,
} from './payload-mapping-fields';

const tasmota: MappingFields = {
  rows: [
    { path: ' SI7021.Temperature ', metric: 'temperature', unit: '°C', scale: '', offset: '-0.5' },
    { path: 'SI7021.Humidity', metric: 'humidity', unit: '%', scale: '', offset: '' },
    emptyRow(),
  ],
  timeField: '',
  arrivalTime: true,
  deviceIdField: '',
  keepUnmapped: false,
};

describe('payload mapping fields', () => {
  test('rows become the subscription payload; blank rows and default scale/offset are left out', () => {
    expect(buildMapping(tasmota)).toEqual({
      ok: true,
      payload: {
        fields: [
          { path: 'SI7021.Temperature', metric: 'temperature', unit: '°C', offset: -0.5 },
          { path: 'SI7021.Humidity', metric: 'humidity', unit: '%' },
        ],
        arrivalTime: true,
      },
    });
    expect(buildMapping(emptyMapping())).toEqual({ ok: true, payload: undefined });
  });

  test('problems are named by row in plain words', () => {
    const row = (r: Partial<MappingFields['rows'][number]>) => ({
      ...emptyMapping(),
      rows: [emptyRow(), { ...emptyRow(), ...r }],
    });
    expect(buildMapping(row({ metric: 'temperature' }))).toEqual({
      ok: false,
      error: "row 2: give the field's path, e.g. SI7021.Temperature",
    });
    expect(buildMapping(row({ path: 'a' }))).toEqual({
      ok: false,
      error: 'row 2: give the metric name to store it as',
    });
    expect(buildMapping(row({ path: 'a', metric: 'm', scale: 'ten' }))).toEqual({
      ok: false,
      error: 'row 2: scale must be a number, not "ten"',
    });
    expect(buildMapping(row({ path: 'a', metric: 'bad name' }))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^row 2 metric: a metric name is/),
    });
    expect(buildMapping(row({ path: 'a..b', metric: 'm' }))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^row 2 path: a path is keys joined with dots/),
    });
    expect(
      buildMapping({
        ...emptyMapping(),
        rows: [
          { ...emptyRow(), path: 'a', metric: 'm' },
          { ...emptyRow(), path: 'b', metric: 'm' },
        ],
      }),
    ).toEqual({ ok: false, error: 'metric "m" is mapped twice' });
  });

  test('the form sends each template its mapping, and refuses a bad one before any round trip', () => {
    const fields = {
      ...defaultMqttFields(),
      url: 'mqtt://broker.local:1883',
      topicTemplates: 'tele/{deviceId}/SENSOR\nzigbee2mqtt/{deviceId}\n',
      payloadMappings: { 'tele/{deviceId}/SENSOR': tasmota, 'gone/{deviceId}': tasmota },
    };
    const built = buildMqttConfig(fields, []);
    expect(built.ok && built.config.subscriptions).toEqual([
      {
        topicTemplate: 'tele/{deviceId}/SENSOR',
        payload: {
          fields: [
            { path: 'SI7021.Temperature', metric: 'temperature', unit: '°C', offset: -0.5 },
            { path: 'SI7021.Humidity', metric: 'humidity', unit: '%' },
          ],
          arrivalTime: true,
        },
      },
      { topicTemplate: 'zigbee2mqtt/{deviceId}' },
    ]);
    const bad = buildMqttConfig(
      {
        ...fields,
        payloadMappings: {
          'zigbee2mqtt/{deviceId}': { ...emptyMapping(), rows: [{ ...emptyRow(), metric: 'x' }] },
        },
      },
      [],
    );
    expect(bad).toEqual({
      ok: false,
      errors: {
        payloadMappings: "zigbee2mqtt/{deviceId}: row 1: give the field's path, e.g. SI7021.Temperature",
      },
    });
  });

  test('a saved mapping comes back into the edit form under its template line, and round-trips', () => {
    const saved = {
      id: 'b',
      url: 'mqtt://broker.local:1883',
      subscriptions: [
        {
          topicTemplate: 'shellies/{site}/{deviceId}/status/temperature:0',
          fixed: { site: 'north' },
          payload: {
            fields: [{ path: 'tC', metric: 'temperature', unit: '°C', scale: 1, offset: 0 }],
            timeField: 'ts',
            arrivalTime: false,
            deviceIdField: 'src',
            unmapped: 'keep',
          },
        },
        { topicTemplate: 'zigbee2mqtt/{deviceId}' },
      ],
    };
    const state = editStateFromConfig('mqtt', saved);
    const line = 'shellies/{site=north}/{deviceId}/status/temperature:0';
    expect(state.mqtt.payloadMappings).toEqual({
      [line]: {
        rows: [{ path: 'tC', metric: 'temperature', unit: '°C', scale: '', offset: '' }],
        timeField: 'ts',
        arrivalTime: false,
        deviceIdField: 'src',
        keepUnmapped: true,
      },
    });
    const again = buildMqttConfig(state.mqtt, []);
    expect(again.ok && again.config.subscriptions).toEqual([
      {
        topicTemplate: 'shellies/{site}/{deviceId}/status/temperature:0',
        fixed: { site: 'north' },
        payload: {
          fields: [{ path: 'tC', metric: 'temperature', unit: '°C' }],
          timeField: 'ts',
          deviceIdField: 'src',
          unmapped: 'keep',
        },
      },
      { topicTemplate: 'zigbee2mqtt/{deviceId}' },
    ]);
    expect(mappingFromConfig('nonsense')).toEqual(emptyMapping());
  });
});
