/**
 * MQTT payloads copied from the projects that publish them, each cited; the expected
 * readings follow the rules documented in README "Accepted MQTT payload formats".
 */
import { describe, expect, test } from 'vitest';
import { type PayloadMappingInput, PayloadMappingSchema } from '../../../common/payload-mapping';
import { decodeMqttPayload, type MqttPayloadResult } from './mqtt-payload';
import { parsePayloadTime } from './payload-time';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const decode = (text: string, mapping?: PayloadMappingInput): MqttPayloadResult =>
  decodeMqttPayload(Buffer.from(text), NOW, mapping ? PayloadMappingSchema.parse(mapping) : undefined);
const values = (out: MqttPayloadResult) => {
  if ('error' in out) throw new Error(out.error);
  return Object.fromEntries(out.values.map((v) => [v.metric ?? '(topic)', v.value]));
};

describe('Tasmota', () => {
  test('tele/%topic%/SENSOR: nested sensor keys flattened, TempUnit skipped, zoneless Time → arrival time', () => {
    // tasmota/docs docs/AM2301.md: "Sensor sends a tele/%topic%/SENSOR JSON reponse"
    const out = decode(
      '{\n  "Time": "2019-01-01T00:00:00",\n  "AM2301": {\n    "Temperature": 24.6,\n    "Humidity": 58.2\n  },\n  "TempUnit": "C"\n}',
    );
    expect(values(out)).toEqual({ 'AM2301.Temperature': 24.6, 'AM2301.Humidity': 58.2 });
    // Tasmota's Time is the device's local time with no offset: the zone is unknown
    expect(out).toMatchObject({ ts: NOW });
  });

  test('Epoch (UTC seconds) is the device time when Tasmota sends it beside Time', () => {
    // tasmota/docs docs/DeepSleep.md: "13:08:48 MQT: tele/tasmota/STATE = {...}"
    const out = decode(
      '{"Time":"2019-09-04T13:08:48","Epoch":1567595328,"Uptime":"0T00:00:14","UptimeSec":14,"Heap":24,"SleepMode":"Dynamic","Sleep":50,"LoadAvg":20,"MqttCount":1,"Wifi":{"AP":1,"SSId":"MyWLAN","BSSId":"AA:FF:AA:AA:AA:AA","Channel":11,"RSSI":100,"LinkCount":1,"Downtime":"0T00:00:08","DeepSleep":300,"Heap":25160}}',
    );
    expect(out).toMatchObject({ ts: 1567595328000 });
    expect(values(out)).not.toHaveProperty('Epoch');
    expect(values(out)).toMatchObject({ UptimeSec: 14, 'Wifi.RSSI': 100, 'Wifi.DeepSleep': 300 });
  });

  test('ENERGY object of a power-monitoring plug', () => {
    // Local Bytes KB "Accessing power usage from Tasmota smart plugs" (blog.mylocalbytes.com/kb/2022-01-10), tele/livingroom-lamp/SENSOR
    const out = decode(
      '{"Time":"2022-01-11T21:57:38","ENERGY":{"TotalStartTime":"2020-10-21T22:15:00","Total":3.705,"Yesterday":0.028,"Today":0.026,"Period":1,"Power":5,"ApparentPower":5,"ReactivePower":0,"Factor":1.00,"Voltage":233,"Current":0.021}}',
    );
    expect(values(out)).toEqual({
      'ENERGY.Total': 3.705,
      'ENERGY.Yesterday': 0.028,
      'ENERGY.Today': 0.026,
      'ENERGY.Period': 1,
      'ENERGY.Power': 5,
      'ENERGY.ApparentPower': 5,
      'ENERGY.ReactivePower': 0,
      'ENERGY.Factor': 1,
      'ENERGY.Voltage': 233,
      'ENERGY.Current': 0.021,
    });
  });

  test('tele/%topic%/STATE: "POWER":"OFF" is 0, Wifi numbers flattened, text fields skipped', () => {
    // tasmota/docs docs/ADC.md: "Supply voltage is published in tele/%topic%/STATE under "Vcc""
    const out = values(
      decode(
        '{"Time":"2019-10-31T11:14:59","Uptime":"0T18:36:12","UptimeSec":66972,"Vcc":3.423,"Heap":28,"SleepMode":"Dynamic","Sleep":50,"LoadAvg":19,"MqttCount":6,"POWER":"OFF","Wifi":{"AP":1,"SSId":"Tasmota","BSSId":"00:00:00:00:00:00","Channel":13,"RSSI":100,"LinkCount":1,"Downtime":"0T00:00:06"}}',
      ),
    );
    expect(out).toMatchObject({
      POWER: 0,
      Vcc: 3.423,
      UptimeSec: 66972,
      'Wifi.RSSI': 100,
      'Wifi.Channel': 13,
    });
    expect(out).not.toHaveProperty('Uptime');
    expect(out).not.toHaveProperty('Wifi.SSId');
    expect(decode('{"POWER":"ON"}')).toMatchObject({ values: [{ metric: 'POWER', value: 1 }] });
  });

  test('three-phase arrays get index paths', () => {
    // a multi-phase ENERGY object reports one array element per phase
    expect(values(decode('{"ENERGY":{"Voltage":[230,231,229]}}'))).toEqual({
      'ENERGY.Voltage.0': 230,
      'ENERGY.Voltage.1': 231,
      'ENERGY.Voltage.2': 229,
    });
  });
});

describe('Zigbee2MQTT zigbee2mqtt/<friendly_name>', () => {
  test('flat sensor object', () => {
    // zigbee2mqtt.io guide/usage/mqtt_topics_and_messages: Xiaomi MiJia temperature & humidity sensor (WSDCGQ01LM)
    expect(values(decode('{ "temperature" : 27.34 , "humidity" : 44.72 }'))).toEqual({
      temperature: 27.34,
      humidity: 44.72,
    });
  });

  test('booleans and ON/OFF states are 1/0; actions are not readings', () => {
    // same page: RTCGQ01LM { "occupancy" : true }, LED1545G12 { "state" : "ON" , "brightness" : 215 , "color_temp" : 325 }
    expect(values(decode('{ "occupancy" : true }'))).toEqual({ occupancy: 1 });
    expect(values(decode('{ "state" : "ON" , "brightness" : 215 , "color_temp" : 325 }'))).toEqual({
      state: 1,
      brightness: 215,
      color_temp: 325,
    });
    // same page: WXKG01LM { "action" : "single" }: nothing to plot, so a counted error, not silence
    expect(decode('{ "action" : "single" }')).toEqual({
      error: 'no numeric or boolean field in { "action" : "single" }',
    });
  });

  test('contact sensor with water_leak false and a quoted battery', () => {
    // zigbee2mqtt log of an Aqara leak sensor (pastebin.com/A16U3Uv5): battery arrives as a string
    expect(values(decode('{"battery":"100.00","voltage":3045,"linkquality":99,"water_leak":false}'))).toEqual(
      {
        voltage: 3045,
        linkquality: 99,
        water_leak: 0,
      },
    );
  });
});

describe('Home Assistant / ESPHome state topics', () => {
  test('bare numbers and ON/OFF text go to the topic metric', () => {
    // esphome components/mqtt/mqtt_binary_sensor.cpp: `state ? "ON" : "OFF"`; sensors publish the number as text
    expect(decode('21.5')).toEqual({ ts: NOW, values: [{ metric: undefined, value: 21.5 }] });
    expect(decode('ON')).toEqual({ ts: NOW, values: [{ metric: undefined, value: 1 }] });
    expect(decode('OFF')).toEqual({ ts: NOW, values: [{ metric: undefined, value: 0 }] });
  });

  test('a sensor without a state is a null reading, not an error', () => {
    // esphome components/mqtt/mqtt_sensor.cpp: NaN is published as "None" with publish_nan_as_none, else as "nan"
    expect(decode('None')).toEqual({ ts: NOW, values: [{ metric: undefined, value: null }] });
    expect(decode('nan')).toEqual({ ts: NOW, values: [{ metric: undefined, value: null }] });
    expect(decode('online')).toEqual({ error: 'payload is not JSON or a number: online' });
  });
});

describe('Shelly Gen2 <prefix>/status/temperature:0', () => {
  test('component status: tC and tF are readings, the component id is not', () => {
    // shelly-api-docs gen2 ComponentsAndServices/Mqtt: "the entire status payload of components is published on
    // <topic_prefix>/status/<component:id>"; Temperature status {"id", "tC", "tF"}
    expect(values(decode('{"id":0,"tC":21.6,"tF":70.9}'))).toEqual({ tC: 21.6, tF: 70.9 });
  });

  test('NotifyStatus with fractional epoch seconds, via a mapping', () => {
    // shelly-api-docs gen2 General/Notifications, example 1 (params.ts: "Unix timestamp (in UTC)")
    const out = decode(
      '{"src":"shellypro4pm-f008d1d8b8b8","dst":"user_1","method":"NotifyStatus","params":{"ts":1631186545.04,"switch:0":{"id":0,"output":true,"source":"button"}}}',
      { fields: [{ path: 'params.switch:0.output', metric: 'output' }], timeField: 'params.ts' },
    );
    expect(out).toEqual({ ts: 1631186545040, values: [{ metric: 'output', value: 1 }] });
  });
});

describe('Fieldline envelope and generic rules', () => {
  test('{ts, seq, value} stays on the topic metric', () => {
    expect(decode('{"ts":1764000000000,"seq":3,"value":2}')).toEqual({
      ts: 1764000000000,
      seq: 3,
      values: [{ metric: undefined, value: 2 }],
    });
    expect(decode('{"v":"bad"}')).toEqual({ ts: NOW, values: [{ metric: undefined, value: null }] });
  });

  test('multi-field object with a status string: one reading per numeric field', () => {
    expect(values(decode('{"temperature":21.5,"humidity":40,"status":"ok"}'))).toEqual({
      temperature: 21.5,
      humidity: 40,
    });
    expect(decode('{"status":"ok"}')).toEqual({ error: 'no numeric or boolean field in {"status":"ok"}' });
  });

  test('timestamp fields: epoch ms, epoch s, ISO 8601 with an offset; zoneless → arrival; bad → error', () => {
    expect(decode('{"time":1764000000,"t":1}')).toMatchObject({ ts: 1764000000000 });
    expect(decode('{"timestamp":"2025-11-24T16:00:00.250+01:00","t":1}')).toMatchObject({
      ts: Date.UTC(2025, 10, 24, 15, 0, 0, 250),
    });
    // z2m last_seen (ISO_8601 setting) carries an offset: "2020-02-26T20:44:09+01:00" (Koenkk/zigbee-herdsman-converters#1020)
    expect(parsePayloadTime('2020-02-26T20:44:09+01:00')).toEqual({ ts: Date.UTC(2020, 1, 26, 19, 44, 9) });
    expect(parsePayloadTime('2024-01-01T12:00:00')).toEqual({ zoneless: true });
    expect(decode('{"ts":1,"t":1}')).toEqual({ error: 'ts: unusable timestamp 1' });
    expect(decode('{"Time":"yesterday","t":1}')).toEqual({ error: 'Time: unusable timestamp "yesterday"' });
  });

  test('keys with characters outside metric names are made safe; null fields are null readings', () => {
    expect(values(decode('{"temperature:0":{"tC":19.8},"DS18 B20":{"Temperature":null}}'))).toEqual({
      'temperature_0.tC': 19.8,
      'DS18_B20.Temperature': null,
    });
  });

  test('hostile shapes: arrays without a mapping, text, too many fields', () => {
    expect(decode('[1,2]')).toMatchObject({ error: expect.stringMatching(/needs a payload mapping/) });
    expect(decode('"hello"')).toMatchObject({ error: expect.stringMatching(/not a reading/) });
    const many = `{${Array.from({ length: 300 }, (_, i) => `"m${i}":${i}`).join(',')}}`;
    expect(decode(many)).toEqual({ error: 'more than 256 readings in one payload' });
    expect(decode(`{"a":${'['.repeat(5000)}1${']'.repeat(5000)}}`)).toMatchObject({
      error: expect.stringMatching(/no numeric/),
    });
  });
});

describe('payload mapping', () => {
  test('only mapped fields, with scale and offset; numeric strings accepted where mapped', () => {
    const out = decode(
      '{"Time":"2024-01-01T12:00:00","SI7021":{"Temperature":213,"Humidity":"45.1"},"x":1}',
      {
        fields: [
          { path: 'SI7021.Temperature', metric: 'temperature', unit: '°C', scale: 0.1 },
          { path: 'SI7021.Humidity', metric: 'humidity', unit: '%' },
          { path: 'missing.field', metric: 'gone' },
        ],
      },
    );
    expect(values(out)).toEqual({ temperature: 21.3, humidity: 45.1 });
    expect(values(decode('{"p":1013}', { fields: [{ path: 'p', metric: 'bar', scale: 0.001 }] }))).toEqual({
      bar: 1.013,
    });
  });

  test('a mapped field that is not a number is a null reading; unmapped: keep adds the rest', () => {
    const out = decode('{"a":"err","b":2,"c":{"d":3},"ts":1764000000000}', {
      fields: [
        { path: 'a', metric: 'alpha' },
        { path: 'c.d', metric: 'delta', offset: 10 },
      ],
      unmapped: 'keep',
    });
    expect(out).toMatchObject({ ts: 1764000000000 });
    expect(values(out)).toEqual({ alpha: null, delta: 13, b: 2 });
  });

  test('device id field and arrival time', () => {
    const mapping = {
      fields: [{ path: '0.t', metric: 'temperature' }],
      deviceIdField: '0.dev',
      arrivalTime: true,
    };
    expect(decode('[{"dev":"th-7","t":4.5,"ts":1764000000000}]', mapping)).toEqual({
      ts: NOW,
      deviceId: 'th-7',
      values: [{ metric: 'temperature', value: 4.5 }],
    });
    expect(decode('[{"dev":"bad id!","t":1}]', mapping)).toMatchObject({
      error: expect.stringMatching(/^0\.dev:/),
    });
    expect(decode('{"other":1}', mapping)).toEqual({ error: 'no numeric or boolean field in {"other":1}' });
  });

  test('the schema refuses unusable mappings', () => {
    expect(() => PayloadMappingSchema.parse({ fields: [{ path: 'a..b', metric: 'x' }] })).toThrow(/dots/);
    expect(() => PayloadMappingSchema.parse({ fields: [{ path: 'a', metric: 'bad name' }] })).toThrow(
      /metric/,
    );
    expect(() =>
      PayloadMappingSchema.parse({
        fields: [
          { path: 'a', metric: 'x' },
          { path: 'b', metric: 'x' },
        ],
      }),
    ).toThrow(/mapped twice/);
    expect(() => PayloadMappingSchema.parse({ timeField: 'ts', arrivalTime: true })).toThrow(/not both/);
  });
});
