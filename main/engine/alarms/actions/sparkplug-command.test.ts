/**
 * A rule's value against the datatype a BIRTH declared, per Sparkplug 3.0 §6.4.16 "Datatype
 * Details" (Int8 −128…127 … UInt32 0…2^32−1, Float a 32-bit IEEE 754, Boolean, String/Text),
 * and the command topics of §4.1.3 (`spBv1.0/<group>/NCMD/<edge>`, `…/DCMD/<edge>/<device>`).
 */
import { describe, expect, it } from 'vitest';
import { sparkplugCommandTopic, sparkplugTyped } from './sparkplug-command';

describe('sparkplug command values', () => {
  it('accepts a value inside its integer type and refuses one outside', () => {
    expect(sparkplugTyped(1, -128)).toEqual({ type: 'Int8', value: -128 });
    expect(sparkplugTyped(1, 128)).toEqual({ error: '128 does not fit Int8' });
    expect(sparkplugTyped(5, -1)).toEqual({ error: '-1 does not fit UInt8' });
    expect(sparkplugTyped(7, 4_294_967_295)).toEqual({ type: 'UInt32', value: 4_294_967_295 });
    expect(sparkplugTyped(3, 1.5)).toEqual({ error: '1.5 is not an integer (the metric is Int32)' });
    expect(sparkplugTyped(2, true)).toHaveProperty('error');
  });

  it('floats, booleans and text', () => {
    expect(sparkplugTyped(9, 1e39)).toEqual({ error: '1e+39 does not fit Float' });
    expect(sparkplugTyped(10, 1e39)).toEqual({ type: 'Double', value: 1e39 });
    expect(sparkplugTyped(11, 1)).toEqual({ type: 'Boolean', value: true });
    expect(sparkplugTyped(11, 2)).toHaveProperty('error');
    expect(sparkplugTyped(12, 'auto')).toEqual({ type: 'String', value: 'auto' });
    expect(sparkplugTyped(12, 3)).toHaveProperty('error');
    expect(sparkplugTyped(16, 1)).toEqual({ error: 'datatype 16 cannot be written by a rule' }); // DataSet
  });

  it('DCMD to a device, NCMD to a node, nothing for ids that are not Sparkplug', () => {
    expect(sparkplugCommandTopic('G:e:pump')).toBe('spBv1.0/G/DCMD/e/pump');
    expect(sparkplugCommandTopic('G:e')).toBe('spBv1.0/G/NCMD/e');
    expect(sparkplugCommandTopic('boiler-3')).toBeUndefined();
    expect(sparkplugCommandTopic('G:e:a:b')).toBeUndefined();
    expect(sparkplugCommandTopic('G:e/x:d')).toBeUndefined();
  });
});
