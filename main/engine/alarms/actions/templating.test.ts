/**
 * mqtt-publish templating: values from devices are hostile. JSON payloads stay JSON whatever
 * a device id or metric name holds (fast-check), and topics never receive a wildcard
 * (MQTT 5.0 §4.7.3: `+` and `#` are for filters only, never in a topic name; §1.5.4: no NUL).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openTestDb } from '../../store/test-fixtures';
import { addNotice, saveRule } from './notice-fixtures';
import { fillPayload, fillTopic, noticeFields } from './templating';

function fields(deviceId: string, metric: string | null, value: number | null) {
  const { db } = openTestDb('templating');
  saveRule(db, 'hot', []);
  const notice = addNotice(db, { ruleId: 'hot', kind: 'raised', deviceId, metric, value });
  db.close();
  return noticeFields(notice);
}

/** quotes, backslashes, control characters, lone surrogates, braces: what breaks JSON text */
const hostile = fc.string({
  unit: fc.oneof(
    fc.constantFrom('"', '\\', '\n', '\u0000', '\u2028', '\ud800', '}', '{{', '{{value}}'),
    fc.string({ maxLength: 1 }),
  ),
  maxLength: 40,
});

describe('templating', () => {
  const f = fields('boiler-3', 'temperature', 91.2);

  it('fills every placeholder in text payloads and topics', () => {
    expect(fillPayload('{{rule}} {{device}} {{metric}}={{value}} {{severity}} {{state}}', f)).toEqual({
      text: 'hot boiler-3 temperature=91.2 high active_unack',
    });
    expect(fillTopic('plant/{{device}}/alarm/{{ rule }}', f)).toEqual({ topic: 'plant/boiler-3/alarm/hot' });
  });

  it('puts a number bare into JSON and escapes text', () => {
    const out = fillPayload('{"device":"{{device}}","value":{{value}},"state":"{{state}}"}', f);
    expect(out).toEqual({ text: '{"device":"boiler-3","value":91.2,"state":"active_unack"}' });
  });

  it('a reading with no value is JSON null', () => {
    const none = fields('boiler-3', 'temperature', null);
    expect(fillPayload('{"value":{{value}}}', none)).toEqual({ text: '{"value":null}' });
  });

  it('a device id that tries to close the string and add a key stays inside its string', () => {
    const evil = fields('x","admin":true,"y":"', 'temperature', 1);
    const out = fillPayload('{"device":"{{device}}"}', evil);
    expect('text' in out && JSON.parse(out.text)).toEqual({ device: 'x","admin":true,"y":"' });
  });

  it('refuses a JSON template that is not JSON once filled in (a bare text placeholder)', () => {
    expect(fillPayload('{"device": {{device}}}', f)).toEqual({
      error: expect.stringMatching(/^the payload is not valid JSON once filled in/),
    });
  });

  it('refuses a topic that a device id would turn into a filter', () => {
    expect(fillTopic('plant/{{device}}/alarm', fields('a/#', 'temperature', 1))).toEqual({
      error: expect.stringContaining('wildcard'),
    });
    expect(fillTopic('plant/{{metric}}', fields('a', 'x+y', 1))).toHaveProperty('error');
  });

  it('any device id and metric name round-trip through a JSON payload (fast-check)', () => {
    fc.assert(
      fc.property(hostile, hostile, (device, metric) => {
        const filled = fillPayload('{"d":"{{device}}","m":"{{metric}}","v":{{value}}}', {
          ...f,
          device,
          metric,
        });
        if (!('text' in filled)) return false;
        const back = JSON.parse(filled.text) as { d: string; m: string; v: number };
        return back.d === device && back.m === metric && back.v === 91.2;
      }),
      { numRuns: 200 },
    );
  });
});
