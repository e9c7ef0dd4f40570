import { describe, expect, test } from 'vitest';
import { SECRET_STORED } from '../../common/sync-contract';
import {
  buildSinkConfig,
  defaultSinkFields,
  fieldsFromSink,
  NO_STORED,
  type SinkFields,
  sinkFieldOf,
} from './sink-form';

const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----';

const http = (over: Partial<SinkFields>): SinkFields => ({
  ...defaultSinkFields('http'),
  name: 'cloud',
  url: 'https://ingest.example.com/v1/batches',
  ...over,
});
const mqtt = (over: Partial<SinkFields>): SinkFields => ({
  ...defaultSinkFields('mqtt'),
  name: 'broker',
  url: 'mqtts://iot.example.com:8883',
  ...over,
});

describe('an HTTP sink from the form', () => {
  test('a URL and an auth header give the config the contract takes, trimmed', () => {
    const r = buildSinkConfig(
      'http',
      http({ name: '  cloud ', authorization: ' Bearer abc ', downUrl: 'https://api.example.com/down/' }),
    );
    expect(r).toEqual({
      ok: true,
      name: 'cloud',
      enabled: true,
      config: {
        url: 'https://ingest.example.com/v1/batches',
        authorization: 'Bearer abc',
        downUrl: 'https://api.example.com/down',
      },
    });
  });

  test.each<[Partial<SinkFields>, keyof SinkFields, RegExp]>([
    [{ name: '  ' }, 'name', /name/],
    [{ url: 'https://' }, 'url', /not a URL/],
    [{ url: 'ftp://example.com/x' }, 'url', /http:\/\/ or https:\/\//],
    [{ url: 'https://user:pw@example.com/x' }, 'url', /no user or password/],
    [{ authorization: 'Bearer a\r\nX-Evil: 1' }, 'authorization', /line breaks/],
    [{ downUrl: 'mqtt://x' }, 'downUrl', /http/],
    [{ timeoutS: '0.5' }, 'timeoutS', /1 to 600/],
    [{ caPem: 'not a pem' }, 'caPem', /PEM/],
    [{ certPem: CERT }, 'keyPem', /needs its key/],
    [{ keyPem: KEY }, 'certPem', /needs its client certificate/],
    [{ keyPem: CERT, certPem: CERT }, 'keyPem', /PEM/],
  ])('%j is refused at %s', (over, field, message) => {
    const r = buildSinkConfig('http', http(over));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[field]).toMatch(message);
  });

  test('mutual TLS material and a timeout in seconds', () => {
    const r = buildSinkConfig('http', http({ caPem: CERT, certPem: CERT, keyPem: KEY, timeoutS: '7.5' }));
    expect(r.ok && r.config).toEqual({
      url: 'https://ingest.example.com/v1/batches',
      caPem: CERT,
      certPem: CERT,
      keyPem: KEY,
      timeoutMs: 7500,
    });
  });
});

describe('an MQTT sink from the form', () => {
  test('topic template, receipt topic, login', () => {
    const r = buildSinkConfig(
      'mqtt',
      mqtt({ receiptTopic: 'fieldline/{sink}/receipts', username: 'edge', password: 'pw', clientId: 'fl-1' }),
    );
    expect(r.ok && r.config).toEqual({
      url: 'mqtts://iot.example.com:8883',
      topic: 'fieldline/{sink}/{kind}',
      receiptTopic: 'fieldline/{sink}/receipts',
      clientId: 'fl-1',
      username: 'edge',
      password: 'pw',
    });
  });

  test.each<[Partial<SinkFields>, keyof SinkFields, RegExp]>([
    [{ url: 'https://iot.example.com' }, 'url', /mqtt/],
    [{ topic: '' }, 'topic', /required/],
    [{ topic: 'plant/#' }, 'topic', /wildcards/],
    [{ topic: 'plant/+/x' }, 'topic', /wildcards/],
    [{ topic: 'plant/{deviceId}' }, 'topic', /unknown placeholder \{deviceId\}/],
    [{ receiptTopic: 'r/{kind}' }, 'receiptTopic', /unknown placeholder/],
  ])('%j is refused at %s', (over, field, message) => {
    const r = buildSinkConfig('mqtt', mqtt(over));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[field]).toMatch(message);
  });
});

describe('editing a saved sink', () => {
  const saved = {
    id: 'sink-1',
    kind: 'http' as const,
    name: 'cloud',
    enabled: false,
    config: {
      url: 'https://ingest.example.com/v1/batches',
      authorization: SECRET_STORED,
      certPem: CERT,
      keyPem: SECRET_STORED,
      timeoutMs: 12_000,
    },
  };

  test('stored secrets are never put in a field; left empty they are sent as the marker', () => {
    const { fields, stored } = fieldsFromSink(saved);
    expect(fields.authorization).toBe('');
    expect(fields.keyPem).toBe('');
    expect(fields.timeoutS).toBe('12');
    expect(fields.enabled).toBe(false);
    expect(stored).toEqual({ authorization: true, password: false, keyPem: true });
    const r = buildSinkConfig('http', fields, stored, saved.config);
    expect(r.ok && r.config).toEqual(saved.config);
  });

  test('a new secret replaces the stored one; a forgotten one is not sent at all', () => {
    const { fields, stored } = fieldsFromSink(saved);
    const replaced = buildSinkConfig(
      'http',
      { ...fields, authorization: 'Bearer new' },
      stored,
      saved.config,
    );
    expect(replaced.ok && replaced.config.authorization).toBe('Bearer new');
    const forgotten = buildSinkConfig('http', fields, { ...stored, authorization: false }, saved.config);
    expect(forgotten.ok && 'authorization' in forgotten.config).toBe(false);
  });

  test('forgetting the key while the certificate stays is caught before sending', () => {
    const { fields, stored } = fieldsFromSink(saved);
    const r = buildSinkConfig('http', fields, { ...stored, keyPem: false }, saved.config);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.keyPem).toMatch(/needs its key/);
  });

  test('an emptied timeout goes back to the default; an MQTT ack timeout the form has no input for stays', () => {
    const { fields, stored } = fieldsFromSink(saved);
    const r = buildSinkConfig('http', { ...fields, timeoutS: '' }, stored, saved.config);
    expect(r.ok && 'timeoutMs' in r.config).toBe(false);
    const m = fieldsFromSink({
      id: 'sink-2',
      kind: 'mqtt',
      name: 'b',
      enabled: true,
      config: {
        url: 'mqtt://127.0.0.1:1883',
        topic: 't/{sink}',
        password: SECRET_STORED,
        ackTimeoutMs: 4000,
      },
    });
    const mr = buildSinkConfig('mqtt', m.fields, m.stored, { ackTimeoutMs: 4000 });
    expect(mr.ok && mr.config).toEqual({
      url: 'mqtt://127.0.0.1:1883',
      topic: 't/{sink}',
      password: SECRET_STORED,
      ackTimeoutMs: 4000,
    });
  });

  test('structured mode (one CloudEvent per message) is saved only when picked, and refuses a receipt topic', () => {
    expect(
      buildSinkConfig('mqtt', mqtt({})).ok &&
        'contentMode' in (buildSinkConfig('mqtt', mqtt({})) as { config: object }).config,
    ).toBe(false);
    const r = buildSinkConfig('mqtt', mqtt({ contentMode: 'structured' }));
    expect(r.ok && r.config).toEqual({
      url: 'mqtts://iot.example.com:8883',
      topic: 'fieldline/{sink}/{kind}',
      contentMode: 'structured',
    });
    const both = buildSinkConfig(
      'mqtt',
      mqtt({ contentMode: 'structured', receiptTopic: 'receipts/{sink}' }),
    );
    expect(both.ok).toBe(false);
    if (!both.ok) expect(both.errors.receiptTopic).toMatch(/batch format/);
    const saved = fieldsFromSink({
      id: 'sink-3',
      kind: 'mqtt',
      name: 'sdk',
      enabled: true,
      config: { url: 'mqtt://127.0.0.1:1883', topic: 't', contentMode: 'structured' },
    });
    expect(saved.fields.contentMode).toBe('structured');
  });

  test('hostile saved values (numbers, objects) give empty fields, not a crash', () => {
    const { fields, stored } = fieldsFromSink({
      id: 'x',
      kind: 'mqtt',
      name: 'x',
      enabled: true,
      config: { url: 42, topic: { a: 1 }, password: ['x'] },
    });
    expect(fields.url).toBe('');
    expect(fields.topic).toBe('');
    expect(fields.password).toBe('');
    expect(stored).toEqual(NO_STORED);
  });
});

describe('engine issues land beside the sink form fields', () => {
  test("sync.addSink's paths map to fields; anything unknown shows at the URL", () => {
    expect(sinkFieldOf('config.url')).toBe('url');
    expect(sinkFieldOf('config.timeoutMs')).toBe('timeoutS');
    expect(sinkFieldOf('name')).toBe('name');
    expect(sinkFieldOf('config.topic')).toBe('topic');
    expect(sinkFieldOf('config.qos')).toBe('url');
  });
});
