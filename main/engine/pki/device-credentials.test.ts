import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { opensslBinary } from '../connectors/mqtt/mosquitto-harness';
import { masterKeyFromBytes } from '../secrets/master-key';
import { SecretStore } from '../secrets/secret-store';
import { openDatabase } from '../store/database';
import { openTestDb, silent } from '../store/test-fixtures';
import { CredentialsError, DeviceCredentials, UnknownCertificateError } from './device-credentials';
import { CA_KEY_SECRET, ProjectCaError } from './project-ca';
import { x509 } from './x509';

const masterKey = masterKeyFromBytes(Buffer.alloc(32, 9));
const openssl = opensslBinary();
const work = mkdtempSync(path.join(os.tmpdir(), 'fieldline-pki-test-'));
let fileNo = 0;

function file(content: string): string {
  const f = path.join(work, `f${fileNo++}.pem`);
  writeFileSync(f, content);
  return f;
}

function ssl(args: string[]): string {
  return execFileSync(openssl, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `openssl verify`, returning its output (or its error output when it refuses). */
function verify(caPem: string, certPem: string, crlPem?: string, purpose = 'sslclient'): string {
  const args = ['verify', '-purpose', purpose, '-CAfile', file(caPem)];
  if (crlPem) args.push('-crl_check', '-CRLfile', file(crlPem));
  try {
    return ssl([...args, file(certPem)]);
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return `REFUSED ${e.stdout ?? ''} ${e.stderr ?? ''}`;
  }
}

async function openCredentials(dataDir?: string) {
  const opened = dataDir ? { ...openDatabase({ dataDir, log: silent }), dataDir } : openTestDb('pki');
  const secrets = new SecretStore(opened.db, masterKey);
  const credentials = await DeviceCredentials.open({
    db: opened.db,
    secrets,
    projectName: 'Plant 7',
    log: silent,
  });
  return { ...opened, secrets, credentials };
}

describe('project CA', () => {
  it('is created once, persists across reopen and is never regenerated', async () => {
    const first = await openCredentials();
    const caPem = first.credentials.caPem;
    const status = first.credentials.status();
    expect(status.ca.subject).toContain('CN=Fieldline project CA Plant 7');
    expect(status.ca.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    first.db.close();
    const again = await openCredentials(first.dataDir);
    expect(again.credentials.caPem).toBe(caPem);
    expect(again.db.prepare('SELECT count(*) AS n FROM pki_ca').get()).toEqual({ n: 1 });
    // openssl agrees it is a CA that may sign certificates and CRLs
    const text = ssl(['x509', '-noout', '-text', '-in', file(caPem)]);
    expect(text).toMatch(/CA:TRUE, pathlen:0/);
    expect(text).toMatch(/Certificate Sign, CRL Sign/);
    expect(text).toMatch(/ASN1 OID: prime256v1/);
    again.db.close();
  });

  it('keeps its private key only sealed', async () => {
    const { db, secrets } = await openCredentials();
    const sealed = db
      .prepare<[string], { sealed: string }>('SELECT sealed FROM secrets WHERE name = ?')
      .get(CA_KEY_SECRET);
    expect(sealed?.sealed.startsWith('fl1:')).toBe(true);
    expect(sealed?.sealed).not.toContain('PRIVATE KEY');
    expect(secrets.get(CA_KEY_SECRET)).toContain('-----BEGIN PRIVATE KEY-----');
  });

  it('refuses to start (and does not make a new CA) when its key is missing or sealed with another master key', async () => {
    const { db, dataDir, secrets, credentials } = await openCredentials();
    const caPem = credentials.caPem;
    const sealed = db
      .prepare<[string], { sealed: string }>('SELECT sealed FROM secrets WHERE name = ?')
      .get(CA_KEY_SECRET)!;
    secrets.delete(CA_KEY_SECRET);
    db.close();
    await expect(openCredentials(dataDir)).rejects.toThrow(ProjectCaError);
    await expect(openCredentials(dataDir)).rejects.toThrow(/private key \(pki\.ca\.private-key\) is missing/);
    const reopened = openDatabase({ dataDir, log: silent });
    reopened.db
      .prepare('INSERT INTO secrets (name, sealed, updated_at) VALUES (?, ?, 0)')
      .run(CA_KEY_SECRET, sealed.sealed);
    const otherKey = new SecretStore(reopened.db, masterKeyFromBytes(Buffer.alloc(32, 1)));
    await expect(
      DeviceCredentials.open({ db: reopened.db, secrets: otherKey, projectName: 'x' }),
    ).rejects.toThrow(/cannot be opened with this master key/);
    expect(
      reopened.db.prepare<[], { certificate_pem: string }>('SELECT certificate_pem FROM pki_ca').get()
        ?.certificate_pem,
    ).toBe(caPem);
    reopened.db.close();
  });

  it('refuses a stored key that does not belong to the stored certificate', async () => {
    const a = await openCredentials();
    const b = await openCredentials();
    a.secrets.put(CA_KEY_SECRET, b.secrets.get(CA_KEY_SECRET)!);
    a.db.close();
    await expect(openCredentials(a.dataDir)).rejects.toThrow(/does not match/);
  });
});

describe('device certificates', () => {
  it('issues a client certificate that openssl verifies against the CA, with the device id as CN and SAN', async () => {
    const { credentials } = await openCredentials();
    const issued = await credentials.issueCertificate('th-101', { validityDays: 30 });
    expect(verify(issued.caPem, issued.certificatePem)).toMatch(/: OK/);
    // and not for a server
    expect(verify(issued.caPem, issued.certificatePem, undefined, 'sslserver')).toMatch(/REFUSED/);
    const text = ssl(['x509', '-noout', '-text', '-in', file(issued.certificatePem)]);
    expect(text).toMatch(/Subject: CN = th-101, O = Fieldline/);
    expect(text).toMatch(/TLS Web Client Authentication/);
    expect(text).toMatch(/URI:urn:fieldline:device:th-101/);
    expect(text).toMatch(/CA:FALSE/);
    const fingerprint = ssl([
      'x509',
      '-noout',
      '-fingerprint',
      '-sha256',
      '-in',
      file(issued.certificatePem),
    ]);
    expect(fingerprint.trim()).toBe(`sha256 Fingerprint=${issued.fingerprint}`);
    const serial = ssl(['x509', '-noout', '-serial', '-in', file(issued.certificatePem)]);
    expect(serial.trim().toLowerCase()).toBe(`serial=${issued.serialHex}`);
    // the private key is the certificate's
    const certKey = ssl(['x509', '-noout', '-pubkey', '-in', file(issued.certificatePem)]);
    const ownKey = ssl(['pkey', '-pubout', '-in', file(issued.privateKeyPem)]);
    expect(ownKey).toBe(certKey);
    const days = (issued.notAfter - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThan(30.1);
    expect(credentials.certificates('th-101')).toMatchObject([
      {
        serialHex: issued.serialHex,
        deviceId: 'th-101',
        kind: 'client',
        fingerprint: issued.fingerprint,
        revokedAt: null,
      },
    ]);
  });

  it('gives every certificate a new key pair and serial, and refuses to certify a known key twice', async () => {
    const { credentials, db } = await openCredentials();
    const issued = await Promise.all(['a', 'b', 'a', 'c', 'b'].map((id) => credentials.issueCertificate(id)));
    expect(new Set(issued.map((i) => i.privateKeyPem)).size).toBe(5);
    expect(new Set(issued.map((i) => i.serialHex)).size).toBe(5);
    const spki = db
      .prepare<[], { h: string; d: string }>(
        'SELECT public_key_sha256 AS h, device_id AS d FROM pki_certificates',
      )
      .all();
    expect(new Set(spki.map((r) => r.h)).size).toBe(5);
    // another device's key: issued in parallel, so row order says nothing about which is first
    const othersKey = spki.find((r) => r.d !== 'c')!.h;
    // the ledger itself refuses a duplicate key (belt and braces against a broken RNG)
    expect(() =>
      db.prepare("UPDATE pki_certificates SET public_key_sha256 = ? WHERE device_id = 'c'").run(othersKey),
    ).toThrow(/UNIQUE/);
    expect(credentials.status()).toMatchObject({ issued: 5, revoked: 0 });
  });

  it('refuses device ids that cannot be a CN or MQTT username, and silly validity', async () => {
    const { credentials } = await openCredentials();
    for (const bad of [
      '',
      'a/b',
      'plant/#',
      'x+y',
      'with space',
      'é',
      'a'.repeat(65),
      '-lead',
      'new\nline',
    ]) {
      await expect(credentials.issueCertificate(bad)).rejects.toThrow(CredentialsError);
    }
    for (const validityDays of [0, -1, 1.5, 100_000]) {
      await expect(credentials.issueCertificate('ok', { validityDays })).rejects.toThrow(/validityDays/);
    }
    expect(credentials.status().issued).toBe(0);
  });

  it('rotation: the new certificate is active, the superseded one is revoked and listed in the CRL', async () => {
    const { credentials } = await openCredentials();
    const old = await credentials.issueCertificate('pump-3');
    expect(credentials.activeCertificate('pump-3')?.serialHex).toBe(old.serialHex);
    const next = await credentials.issueCertificate('pump-3');
    expect(credentials.activeCertificate('pump-3')?.serialHex).toBe(next.serialHex);
    const revoked = credentials.revoke(old.serialHex.toUpperCase(), 'superseded');
    expect(revoked).toMatchObject({ serialHex: old.serialHex, revocationReason: 'superseded' });
    expect(revoked.revokedAt).toBeGreaterThan(0);
    // a second revocation keeps the first reason
    expect(credentials.revoke(old.serialHex, 'keyCompromise').revocationReason).toBe('superseded');
    credentials.revoke(next.serialHex, 'keyCompromise');
    expect(credentials.activeCertificate('pump-3')).toBeUndefined();
    expect(() => credentials.revoke('abcdef', 'unspecified')).toThrow(UnknownCertificateError);
  });
});

describe('CRL', () => {
  it('lists revoked serials, is signed by the CA, and its number increases across reopen', async () => {
    const { credentials, db, dataDir } = await openCredentials();
    const keep = await credentials.issueCertificate('keep');
    const drop = await credentials.issueCertificate('drop');
    const lost = await credentials.issueCertificate('lost');
    credentials.revoke(drop.serialHex, 'superseded');
    credentials.revoke(lost.serialHex, 'keyCompromise');
    const crl = await credentials.crlPem();
    const text = ssl(['crl', '-noout', '-text', '-in', file(crl), '-CAfile', file(credentials.caPem)]);
    expect(text).toMatch(/X509v3 CRL Number:\s*\n\s*1\b/);
    expect(text).toMatch(/X509v3 Authority Key Identifier/);
    expect(text.toUpperCase()).toContain(drop.serialHex.toUpperCase());
    expect(text.toUpperCase()).toContain(lost.serialHex.toUpperCase());
    expect(text.toUpperCase()).not.toContain(keep.serialHex.toUpperCase());
    expect(text).toMatch(/Superseded/);
    expect(text).toMatch(/Key Compromise/);
    const nextUpdate = new Date(/Next Update: (.+)/.exec(text)![1]!).getTime();
    expect(nextUpdate - Date.now()).toBeGreaterThan(170 * 86_400_000);
    // openssl checks the signature with -CAfile and says so on stderr; a foreign CA fails it
    const check = (ca: string) =>
      spawnSync(openssl, ['crl', '-noout', '-in', file(crl), '-CAfile', file(ca)], { encoding: 'utf8' });
    expect(check(credentials.caPem).stderr).toMatch(/verify OK/);
    const foreign = await openCredentials();
    expect(check(foreign.credentials.caPem).stderr).not.toMatch(/verify OK/);
    // with the CRL, openssl refuses the revoked certificates and accepts the others
    expect(verify(credentials.caPem, keep.certificatePem, crl)).toMatch(/: OK/);
    expect(verify(credentials.caPem, drop.certificatePem, crl)).toMatch(/REFUSED[\s\S]*certificate revoked/);
    expect(verify(credentials.caPem, lost.certificatePem, crl)).toMatch(/certificate revoked/);

    expect(ssl(['crl', '-noout', '-crlnumber', '-in', file(await credentials.crlPem())]).trim()).toBe(
      'crlNumber=0x02',
    );
    expect(credentials.status().crlNumber).toBe(2);
    db.close();
    const again = await openCredentials(dataDir);
    const after = await again.credentials.crlPem();
    expect(ssl(['crl', '-noout', '-crlnumber', '-in', file(after)]).trim()).toBe('crlNumber=0x03');
    expect(verify(again.credentials.caPem, drop.certificatePem, after)).toMatch(/certificate revoked/);
    again.db.close();
  });

  it('an empty CRL still verifies and lets every certificate through', async () => {
    const { credentials } = await openCredentials();
    const issued = await credentials.issueCertificate('d1');
    const crl = await credentials.crlPem();
    expect(new x509.X509Crl(crl).entries).toHaveLength(0);
    expect(verify(credentials.caPem, issued.certificatePem, crl)).toMatch(/: OK/);
  });
});

describe('PSKs and server certificates', () => {
  it('issues a random 32-byte PSK per device, sealed in the secret store, replaced on re-issue', async () => {
    const { credentials, db, secrets } = await openCredentials();
    const a = credentials.issuePsk('a');
    const b = credentials.issuePsk('b');
    expect(a.identity).toBe('a');
    expect(a.keyHex).toMatch(/^[0-9a-f]{64}$/);
    expect(a.keyHex).not.toBe(b.keyHex);
    expect(credentials.psk('a')).toEqual(a);
    expect(secrets.names('device.')).toEqual(['device.a.psk', 'device.b.psk']);
    const rows = db.prepare<[], { sealed: string }>('SELECT sealed FROM secrets').all();
    expect(rows.some((r) => r.sealed.includes(a.keyHex))).toBe(false);
    const a2 = credentials.issuePsk('a');
    expect(a2.keyHex).not.toBe(a.keyHex);
    expect(credentials.psk('a')?.keyHex).toBe(a2.keyHex);
    expect(credentials.psk('nobody')).toBeUndefined();
    expect(() => credentials.issuePsk('../etc')).toThrow(CredentialsError);
  });

  it("exports every device's current PSK as mosquitto's psk_file, re-keyed and removed ones as they now are", async () => {
    const { credentials, secrets } = await openCredentials();
    expect(credentials.pskFile()).toBe('');
    const a = credentials.issuePsk('pump.a');
    const b = credentials.issuePsk('pump-b');
    await credentials.issueCertificate('cert-only');
    expect(credentials.pskFile()).toBe(`pump-b:${b.keyHex}\npump.a:${a.keyHex}\n`);
    const b2 = credentials.issuePsk('pump-b');
    expect(credentials.removePsk('pump.a')).toBe(true);
    expect(credentials.removePsk('pump.a')).toBe(false);
    expect(credentials.pskFile()).toBe(`pump-b:${b2.keyHex}\n`);
    // a colon would split the psk_file line: such an id gets no PSK, and one stored earlier is left out
    expect(() => credentials.issuePsk('plant:7')).toThrow(/cannot be a PSK identity/);
    secrets.put('device.plant:7.psk', 'ab'.repeat(32));
    secrets.put('device.broken.psk', 'not hex');
    expect(credentials.pskFile()).toBe(`pump-b:${b2.keyHex}\n`);
    expect(credentials.psks().map((p) => p.identity)).toEqual(['pump-b']);
  });

  it('issues a broker server certificate with its names and serverAuth, recorded apart from devices', async () => {
    const { credentials } = await openCredentials();
    const server = await credentials.issueServerCertificate({
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1', '::1'],
    });
    expect(verify(server.caPem, server.certificatePem, undefined, 'sslserver')).toMatch(/: OK/);
    const text = ssl(['x509', '-noout', '-text', '-in', file(server.certificatePem)]);
    expect(text).toMatch(/DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1/);
    expect(text).toMatch(/TLS Web Server Authentication/);
    expect(credentials.certificates()).toMatchObject([{ kind: 'server', deviceId: 'localhost' }]);
    expect(credentials.certificates('localhost')).toEqual([]);
    await expect(credentials.issueServerCertificate({})).rejects.toThrow(/at least one/);
    await expect(credentials.issueServerCertificate({ ipAddresses: ['300.1.1.1'] })).rejects.toThrow(
      /not an IP/,
    );
    await expect(credentials.issueServerCertificate({ dnsNames: ['bad name'] })).rejects.toThrow(/not a DNS/);
  });

  it('writes a mosquitto listener that trusts the CA and checks the CRL, refusing injected lines', async () => {
    const { credentials } = await openCredentials();
    const conf = credentials.mosquittoConf({
      port: 8883,
      caFile: '/etc/mosquitto/certs/ca.pem',
      crlFile: '/etc/mosquitto/certs/crl.pem',
      certFile: '/etc/mosquitto/certs/server.pem',
      keyFile: '/etc/mosquitto/certs/server.key',
    });
    const lines = conf.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(lines).toEqual([
      'listener 8883',
      'cafile /etc/mosquitto/certs/ca.pem',
      'crlfile /etc/mosquitto/certs/crl.pem',
      'certfile /etc/mosquitto/certs/server.pem',
      'keyfile /etc/mosquitto/certs/server.key',
      'require_certificate true',
      'use_identity_as_username true',
      'tls_version tlsv1.2',
    ]);
    expect(() =>
      credentials.mosquittoConf({
        port: 8883,
        caFile: '/x\nallow_anonymous true',
        crlFile: '/c',
        certFile: '/s',
        keyFile: '/k',
      }),
    ).toThrow(/one line/);
  });
});
