import { describe, expect, test } from 'vitest';
import {
  definitionFromForm,
  emptyForm,
  emptyMapping,
  errorsFromIssues,
  formFromDefinition,
  issueKey,
  type ProfileForm,
  uuidProblem,
} from './profile-form';

/** resources/profiles/ble-vibration-tag.json, as shipped */
const vibrationTag = {
  id: 'ble-vibration-tag',
  name: 'BLE vibration tag (vendor GATT service)',
  metrics: {
    vibration: {
      unit: 'mm/s',
      label: 'Vibration velocity (RMS)',
      min: 0,
      max: 50,
      maxRatePerSec: 40,
      expectedIntervalMs: 1000,
    },
    speed: { unit: 'rpm', label: 'Shaft speed', min: 0, max: 6000, expectedIntervalMs: 1000 },
    surface_temperature: {
      unit: '°C',
      label: 'Surface temperature',
      min: -40,
      max: 125,
      maxRatePerSec: 5,
      expectedIntervalMs: 1000,
    },
    battery: { unit: '%', label: 'Battery', min: 0, max: 100, expectedIntervalMs: 10000 },
  },
  ble: {
    characteristics: [
      {
        service: '7e1a0001-5f3c-4b8e-9a61-2f0c3d4e5a01',
        characteristic: '7e1a0002-5f3c-4b8e-9a61-2f0c3d4e5a01',
        metric: 'vibration',
        type: 'int16',
        endian: 'big',
        byteOffset: 0,
        length: 4,
        scale: 0.01,
        notAvailable: -32768,
        unit: 'mm/s',
      },
      {
        service: '7e1a0001-5f3c-4b8e-9a61-2f0c3d4e5a01',
        characteristic: '7e1a0002-5f3c-4b8e-9a61-2f0c3d4e5a01',
        metric: 'speed',
        type: 'uint16',
        endian: 'big',
        byteOffset: 2,
        length: 4,
        unit: 'rpm',
      },
      {
        service: '7e1a0001-5f3c-4b8e-9a61-2f0c3d4e5a01',
        characteristic: '7e1a0003-5f3c-4b8e-9a61-2f0c3d4e5a01',
        metric: 'surface_temperature',
        type: 'float32',
        endian: 'little',
        unit: '°C',
      },
    ],
  },
};

const errorsOf = (form: ProfileForm) => {
  const r = definitionFromForm(form);
  return r.ok ? {} : r.errors;
};

describe('profile editor fields', () => {
  test('a shipped profile through the form comes back as the same JSON, defaults still left out', () => {
    const form = formFromDefinition(vibrationTag);
    expect(form.metrics.map((m) => m.name)).toEqual(['vibration', 'speed', 'surface_temperature', 'battery']);
    expect(definitionFromForm(form)).toEqual({ ok: true, definition: vibrationTag });
  });

  test('the firmware target (resources/profiles/pump.json) survives an edit in the form', () => {
    const pump = {
      id: 'pump',
      name: 'Pump',
      metrics: { flow: { unit: 'm³/h', min: 0, max: 500 } },
      firmware: { mcuboot: { classId: 'b09a6f29-c731-5c02-8f19-15fa59388995' } },
    };
    const form = formFromDefinition(pump);
    form.name = 'Pump (station B)';
    expect(definitionFromForm(form)).toEqual({ ok: true, definition: { ...pump, name: 'Pump (station B)' } });
  });

  test('the firmware target: MCUboot class UUID or ESP32 chip and project, each mistake named', () => {
    const form = formFromDefinition({
      id: 'probe',
      name: 'Probe',
      metrics: { t: { unit: '°C', min: 0, max: 1 } },
    });
    expect(form.firmware.kind).toBe('');
    form.firmware = {
      kind: 'espIdf',
      classId: '',
      vendorId: '',
      chip: 'esp32-c3',
      project: 'fieldline-probe',
    };
    expect(definitionFromForm(form)).toMatchObject({
      ok: true,
      definition: { firmware: { espIdf: { chip: 'ESP32-C3', project: 'fieldline-probe' } } },
    });
    form.firmware = { kind: 'mcuboot', classId: 'not-a-uuid', vendorId: 'x', chip: '', project: '' };
    expect(definitionFromForm(form)).toEqual({
      ok: false,
      errors: {
        'firmware.classId': 'a UUID like b09a6f29-c731-5c02-8f19-15fa59388995',
        'firmware.vendorId': 'a UUID, or empty',
      },
    });
    expect(issueKey(form, 'firmware.espIdf.project')).toBe('firmware.project');
  });

  test('a mapping that repeats its unit follows the metric when the metric’s unit changes', () => {
    const form = formFromDefinition(vibrationTag);
    form.metrics[0]!.unit = 'in/s';
    const r = definitionFromForm(form);
    expect(
      r.ok && (r.definition.ble as { characteristics: { unit?: string }[] }).characteristics[0]?.unit,
    ).toBe('in/s');
  });

  test('UUIDs in their 16-bit and 128-bit forms (Core Vol 3 Part B 2.5.1) pass; others are named', () => {
    for (const ok of [
      '2A6E',
      '0x2a6e',
      '7e1a0001-5f3c-4b8e-9a61-2f0c3d4e5a01',
      '7E1A00015F3C4B8E9A612F0C3D4E5A01',
    ])
      expect(uuidProblem(ok)).toBeNull();
    for (const bad of [
      '2A6',
      '7e1a0001-5f3c-4b8e-9a61-2f0c3d4e5a0',
      'zz6e',
      '7e1a00015f3c-4b8e-9a61-2f0c3d4e5a01',
    ])
      expect(uuidProblem(bad)).toMatch(/16-bit UUID/);
    expect(uuidProblem(' ')).toBe('required');
  });

  test('each bad field is named: id, ranges, rates, mapping UUID, metric, offset', () => {
    const form = emptyForm();
    form.id = 'Tank Gauge';
    form.metrics[0] = {
      ...form.metrics[0]!,
      name: 'level',
      unit: 'm',
      min: '5',
      max: '5',
      maxRatePerSec: '0',
    };
    form.metrics.push({ ...form.metrics[0]!, key: 'k2', min: 'x', max: '1', maxRatePerSec: '' });
    form.mappings.push({
      ...emptyMapping('nope'),
      characteristic: '12345',
      service: '2a6e',
      type: 'uint16',
      byteOffset: '3',
      length: '4',
      scale: '0',
    });
    expect(errorsOf(form)).toEqual({
      id: 'lower-case letters, digits and dashes, e.g. tank-gauge',
      name: 'required',
      'metric.0.max': 'must be above min',
      'metric.0.maxRatePerSec': 'more than 0',
      'metric.1.name': '"level" is listed twice',
      'metric.1.min': 'a number',
      'mapping.0.characteristic':
        'a 16-bit UUID like 2A6E or a 128-bit one like 7e1a0001-5f3c-4b8e-9a61-2f0c3d4e5a01',
      'mapping.0.metric': 'pick one of the metrics above',
      'mapping.0.scale': 'not 0',
      'mapping.0.length': 'too short for a uint16 at byte 3',
    });
  });

  test('the engine’s issues land on the row of the metric they name', () => {
    const form = formFromDefinition(vibrationTag);
    expect(
      errorsFromIssues(form, [
        { path: 'metrics.speed', message: 'min must not exceed max' },
        { path: 'metrics.battery.expectedIntervalMs', message: 'Too small' },
        { path: 'ble.characteristics.2.type', message: 'Invalid option' },
        { path: 'id', message: 'already exists' },
        { path: '', message: 'Unrecognized key: "extra"' },
      ]),
    ).toEqual({
      'metric.1.max': 'min must not exceed max',
      'metric.3.expectedIntervalMs': 'Too small',
      'mapping.2.type': 'Invalid option',
      id: 'already exists',
      form: 'Unrecognized key: "extra"',
    });
  });
});
