import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { credentialsRequests } from '../../../common/credentials-contract';
import { RpcError } from '../../../common/protocol';
import { masterKeyFromBytes } from '../secrets/master-key';
import { SecretStore } from '../secrets/secret-store';
import { openTestDb, silent } from '../store/test-fixtures';
import { createPkiHandlers, lazyCredentials } from './pki-handlers';
import { CA_KEY_SECRET } from './project-ca';

function setup() {
  const { db } = openTestDb('pki-rpc');
  const secrets = new SecretStore(db, masterKeyFromBytes(Buffer.alloc(32, 4)));
  const get = lazyCredentials({ db, secrets, projectName: 'Site', log: silent });
  return { db, secrets, get, handlers: createPkiHandlers(get, 'key file /data/master.key (0600)') };
}

type Requests = typeof credentialsRequests;
/** params as the RPC server hands them over: parsed (defaults applied) by the contract */
const parse = <M extends keyof Requests>(method: M, params: unknown): z.output<Requests[M]['params']> =>
  credentialsRequests[method].params.parse(params) as z.output<Requests[M]['params']>;

describe('pki.* handlers', () => {
  it('opens the CA once on first use and answers with results the contract accepts', async () => {
    const { handlers, get } = setup();
    const [a, b] = await Promise.all([get(), get()]);
    expect(a).toBe(b);
    const issued = await a.issueCertificate('dev-1');
    const status = await handlers['pki.status'](parse('pki.status', {}));
    expect(credentialsRequests['pki.status'].result.parse(status)).toMatchObject({
      ca: { keyProtection: 'key file /data/master.key (0600)' },
      issued: 1,
      revoked: 0,
    });
    const list = await handlers['pki.certificates'](parse('pki.certificates', { deviceId: 'dev-1' }));
    expect(credentialsRequests['pki.certificates'].result.parse(list)).toHaveLength(1);
    const revoked = await handlers['pki.revoke'](
      parse('pki.revoke', { serialHex: issued.serialHex, reason: 'superseded' }),
    );
    expect(credentialsRequests['pki.revoke'].result.parse(revoked)).toMatchObject({
      revocationReason: 'superseded',
    });
    const config = await handlers['pki.brokerConfig'](parse('pki.brokerConfig', { port: 8884 }));
    expect(credentialsRequests['pki.brokerConfig'].result.parse(config).mosquittoConf).toMatch(
      /^listener 8884$/m,
    );
    expect(config.crlPem).toMatch(/^-----BEGIN X509 CRL-----/);
    expect(config.caPem).toBe(a.caPem);
    expect(config.mosquittoConf).toMatch(/cafile \/etc\/mosquitto\/certs\/fieldline-ca.pem/);
    // no PSK listener unless asked for; the psk_file is there either way
    expect(config.mosquittoConf).not.toMatch(/psk_hint/);
    expect(config.pskFile).toBe('');
    const psk = a.issuePsk('dev-2');
    const withPsk = credentialsRequests['pki.brokerConfig'].result.parse(
      await handlers['pki.brokerConfig'](parse('pki.brokerConfig', { pskPort: 8885 })),
    );
    expect(withPsk.pskFile).toBe(`dev-2:${psk.keyHex}\n`);
    expect(withPsk.mosquittoConf).toMatch(
      /^listener 8885\npsk_hint fieldline\npsk_file \/etc\/mosquitto\/fieldline.psk$/m,
    );
    // the handler called without params (the contract leaves them undefined) still works
    expect((await handlers['pki.brokerConfig'](undefined)).pskFile).toBe(withPsk.pskFile);
  });

  it('maps an unknown serial to NOT_FOUND, a bad path to INVALID_PARAMS and an unopenable CA to UNAVAILABLE', async () => {
    const { handlers, db, secrets, get } = setup();
    await expect(handlers['pki.revoke'](parse('pki.revoke', { serialHex: 'abcd' }))).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(
      handlers['pki.brokerConfig'](parse('pki.brokerConfig', { caFile: '/x\nallow_anonymous true' })),
    ).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    await expect(
      handlers['pki.brokerConfig'](parse('pki.brokerConfig', { pskPort: 8884, pskFile: '/p\nx' })),
    ).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    await expect(
      handlers['pki.brokerConfig'](parse('pki.brokerConfig', { port: 8884, pskPort: 8884 })),
    ).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    await get();
    // a second engine on the same folder whose CA key is gone: a clear, typed error, retried each call
    secrets.delete(CA_KEY_SECRET);
    const broken = createPkiHandlers(lazyCredentials({ db, secrets, projectName: 'Site' }), 'x');
    const failure = broken['pki.status'](undefined);
    await expect(failure).rejects.toBeInstanceOf(RpcError);
    await expect(failure).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringMatching(/missing/),
    });
  });
});
