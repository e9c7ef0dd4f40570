import { describe, expect, test } from 'vitest';
import { PayloadMappingSchema } from '../../../../common/payload-mapping';
import { MappedUnits } from './template-readings';

const mapping = (fields: { path: string; metric: string; unit?: string }[]) =>
  PayloadMappingSchema.parse({ fields });

describe('mapped units', () => {
  test('after a restart a metric has its mapped unit before the device sends again', () => {
    const units = new MappedUnits([
      mapping([{ path: 'tC', metric: 'temperature', unit: '°C' }]),
      mapping([{ path: 'p', metric: 'pressure', unit: 'bar' }]),
    ]);
    expect(units.get('shelly-1', 'temperature')).toBe('°C');
    expect(units.get('gw-1', 'pressure')).toBe('bar');
    expect(units.get('gw-1', 'humidity')).toBeUndefined();
  });

  test('a subscription without a mapping (or keeping unmapped fields) could name the metric too: no guess', () => {
    const shelly = mapping([{ path: 'tC', metric: 'temperature', unit: '°C' }]);
    expect(new MappedUnits([shelly, undefined]).get('pump-1', 'temperature')).toBeUndefined();
    const keep = PayloadMappingSchema.parse({ fields: [], unmapped: 'keep' });
    expect(new MappedUnits([shelly, keep]).get('pump-1', 'temperature')).toBeUndefined();
  });

  test('mappings that disagree on a metric give no unit until a message says which applies', () => {
    const units = new MappedUnits([
      mapping([{ path: 'tC', metric: 'temperature', unit: '°C' }]),
      mapping([{ path: 'tF', metric: 'temperature', unit: '°F' }]),
    ]);
    expect(units.get('a', 'temperature')).toBeUndefined();
    units.note('a', 'temperature', '°F');
    expect(units.get('a', 'temperature')).toBe('°F');
  });
});
