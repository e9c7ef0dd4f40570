import { describe, expect, it } from 'vitest';
import { parseImageServerFields } from './image-server-fields';

describe('image server fields', () => {
  it('an empty address turns HTTPS delivery off', () => {
    expect(parseImageServerFields('  ', '')).toEqual({ ok: true, value: null });
  });

  it('takes an IP address or a DNS name with a port', () => {
    expect(parseImageServerFields(' 10.0.0.5 ', '8443')).toEqual({
      ok: true,
      value: { host: '10.0.0.5', port: 8443 },
    });
    expect(parseImageServerFields('fieldline.plant', '443')).toEqual({
      ok: true,
      value: { host: 'fieldline.plant', port: 443 },
    });
  });

  it.each([
    ['10.0.0.5', '', 'port', /1 to 65535/],
    ['10.0.0.5', '0', 'port', /1 to 65535/],
    ['10.0.0.5', '70000', 'port', /1 to 65535/],
    ['10.0.0.5', '84a3', 'port', /1 to 65535/],
    ['0.0.0.0', '8443', 'host', /not a wildcard/],
    ['bad host/x', '8443', 'host', /IP address or a DNS name/],
  ])('refuses %s:%s in plain words, on the field at fault', (host, port, field, message) => {
    const r = parseImageServerFields(host, port);
    expect(r).toMatchObject({ ok: false, field, error: expect.stringMatching(message) });
  });
});
