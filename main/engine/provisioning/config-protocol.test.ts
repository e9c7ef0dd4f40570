import { describe, expect, test } from 'vitest';
import { type ConfigLineLink, createConfigClient } from './config-client';
import {
  encodeErr,
  encodeOk,
  encodeRequest,
  MAX_CONFIG_LINE_BYTES,
  parseReply,
  parseRequest,
  pskFingerprint,
} from './config-protocol';
import { chunkLine, LineAssembler, Listeners } from './line-links';

describe('Fieldline config protocol lines', () => {
  test('requests and replies round trip', () => {
    const line = encodeRequest('a1', 'config.set', {
      brokerUrl: 'mqtts://broker:8883',
      reportingIntervalS: 10,
    });
    expect(line).toBe('FLCFG1 a1 config.set {"brokerUrl":"mqtts://broker:8883","reportingIntervalS":10}');
    expect(parseRequest(line)).toEqual({
      id: 'a1',
      command: 'config.set',
      payload: { brokerUrl: 'mqtts://broker:8883', reportingIntervalS: 10 },
    });
    expect(parseRequest('FLCFG1 b2 status')).toEqual({ id: 'b2', command: 'status', payload: {} });
    expect(parseReply(encodeOk('a1', { x: 1 }))).toEqual({ id: 'a1', ok: true, payload: { x: 1 } });
    expect(parseReply(encodeErr('a1', 'invalid-value', 'bad\nthing'))).toEqual({
      id: 'a1',
      ok: false,
      code: 'invalid-value',
      message: 'bad thing',
    });
    expect(parseReply('FLCFG1 a1 err busy')).toEqual({ id: 'a1', ok: false, code: 'busy', message: '' });
  });

  test('hostile and foreign lines', () => {
    expect(parseRequest('[I][app]: hello')).toBeNull();
    expect(parseReply('[I][app]: hello')).toBeNull();
    expect(parseRequest('FLCFG2 x1 info {}')).toEqual({
      error: { id: 'x1', code: 'unsupported-version', message: 'this device speaks FLCFG1' },
    });
    expect(parseRequest('FLCFG1 x1 info {nope')).toMatchObject({ error: { id: 'x1', code: 'bad-request' } });
    expect(parseRequest('FLCFG1 !! info {}')).toMatchObject({ error: { code: 'bad-request' } });
    expect(parseRequest(`FLCFG1 x1 info ${'x'.repeat(MAX_CONFIG_LINE_BYTES)}`)).toMatchObject({
      error: { code: 'too-long' },
    });
    expect(parseReply('FLCFG1 x1 ok {broken')).toMatchObject({ id: 'x1' });
    expect(parseReply('FLCFG1 x1 ok {broken')).toHaveProperty('error');
    expect(parseReply('FLCFG1 x1 err BAD! code')).toHaveProperty('error');
    // a request echoed back by a terminal is not a reply
    expect(parseReply('FLCFG1 x1 info {}')).toBeNull();
    expect(() => encodeRequest('id', 'info', { blob: 'x'.repeat(MAX_CONFIG_LINE_BYTES) })).toThrow(/bytes/);
  });

  test('PSK fingerprint is SHA-256 of "identity:keyhex", colon hex', () => {
    // echo -n 'dev-1:00112233445566778899aabbccddeeff' | sha256sum
    expect(pskFingerprint('dev-1', '00112233445566778899AABBCCDDEEFF')).toMatch(
      /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/,
    );
    expect(pskFingerprint('dev-1', '00112233445566778899AABBCCDDEEFF')).toBe(
      pskFingerprint('dev-1', '00112233445566778899aabbccddeeff'),
    );
  });

  test('lines over BLE: chunked to the MTU and reassembled, overlong lines dropped', () => {
    const line = encodeRequest('c1', 'credentials.set', {
      kind: 'psk',
      identity: 'é'.repeat(50),
      keyHex: 'ab'.repeat(32),
    });
    const chunks = chunkLine(line, 20);
    expect(chunks.every((c) => c.length <= 20)).toBe(true);
    const got: string[] = [];
    let overflow = 0;
    const a = new LineAssembler(
      (l) => got.push(l),
      300,
      (n) => {
        overflow = n;
      },
    );
    for (const c of chunks) a.push(c);
    expect(got).toEqual([line]);
    a.push(Buffer.alloc(500, 0x41));
    a.push(Buffer.from('\nok\n'));
    expect(overflow).toBe(500);
    expect(got).toEqual([line, 'ok']);
  });
});

/** A client against a scripted device: the answer function sees each request line. */
function scripted(answer: (line: string, reply: (l: string) => void) => void): {
  link: ConfigLineLink;
  close: (reason: string) => void;
} {
  const lines = new Listeners<[string]>();
  const closes = new Listeners<[string]>();
  let closed: string | null = null;
  return {
    link: {
      sendLine: async (l) => {
        setTimeout(() => answer(l, (r) => lines.emit(r)), 1);
      },
      onLine: (l) => lines.add(l),
      closedReason: () => closed,
      onClose: (l) => closes.add(l),
    },
    close: (reason) => {
      closed = reason;
      closes.emit(reason);
    },
  };
}

describe('config client validation', () => {
  test('a valid reply parses; malformed replies, device errors, silence and link loss are clear errors', async () => {
    const idOf = (l: string) => l.split(' ')[1]!;
    let mode = 'good';
    const s = scripted((line, reply) => {
      const id = idOf(line);
      if (mode === 'good')
        reply(
          encodeOk(id, {
            serialNumber: 'SN1',
            model: 'M',
            hardwareVersion: 'A',
            firmwareVersion: '1',
            mac: '02:00:00:00:00:01',
            deviceId: null,
          }),
        );
      if (mode === 'wrong-shape') reply(encodeOk(id, { serialNumber: 5 }));
      if (mode === 'garbage') reply(`FLCFG1 ${id} ok {not json`);
      if (mode === 'refuse') reply(encodeErr(id, 'invalid-value', 'brokerUrl: invalid'));
      if (mode === 'other-id') reply(encodeOk('zzz', {}));
    });
    const client = createConfigClient(s.link, { timeoutMs: 150 });
    await expect(client.info()).resolves.toMatchObject({ serialNumber: 'SN1', deviceId: null });
    mode = 'wrong-shape';
    await expect(client.info()).rejects.toMatchObject({ kind: 'bad-reply', message: /serialNumber/ });
    mode = 'garbage';
    await expect(client.info()).rejects.toMatchObject({ kind: 'bad-reply' });
    mode = 'refuse';
    await expect(client.setConfig({ brokerUrl: 'nope' })).rejects.toMatchObject({
      kind: 'device',
      code: 'invalid-value',
    });
    mode = 'other-id';
    await expect(client.status()).rejects.toMatchObject({ kind: 'timeout' });
    mode = 'silent';
    const pending = client.status();
    s.close('unplugged');
    await expect(pending).rejects.toMatchObject({ kind: 'link', message: /unplugged/ });
    await expect(client.info()).rejects.toMatchObject({ kind: 'link' });
  });
});
