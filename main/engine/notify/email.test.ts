/**
 * E-mail over SMTP against a real `smtp-server` on 127.0.0.1 with a throwaway CA: STARTTLS
 * is required unless the channel allows plain text, the password comes from the secret
 * store, and firing and resolved alarms never share a message.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../connectors/mqtt/mosquitto-harness';
import { insertNotice, openNotify } from './test-notices';

interface Mail {
  secure: boolean;
  user: string | undefined;
  raw: string;
}

let pkiDir: string;
let pki: TestPki;
let server: SMTPServer | undefined;
let fx: ReturnType<typeof openNotify>;
const mails: Mail[] = [];

async function startSmtp(options: { noStartTls?: boolean } = {}): Promise<number> {
  server = new SMTPServer({
    key: readFileSync(pki.serverKeyFile),
    cert: readFileSync(pki.serverCertFile),
    // a relay without TLS: neither advertises nor accepts STARTTLS
    disabledCommands: options.noStartTls ? ['STARTTLS'] : [],
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      if (auth.username === 'alarms' && auth.password === 's3cret-pass')
        callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          secure: session.secure,
          user: session.user as string | undefined,
          raw: Buffer.concat(chunks).toString(),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return (server.server.address() as AddressInfo).port;
}

function saveChannel(port: number, allowPlain = false) {
  fx.service.channels.save(
    {
      id: 'mail',
      name: 'Shift e-mail',
      config: {
        kind: 'email',
        host: '127.0.0.1',
        port,
        allowPlain,
        user: 'alarms',
        password: 's3cret-pass',
        from: 'fieldline@plant.example',
        to: ['shift@plant.example'],
      },
    },
    fx.clock.now(),
  );
}

/** RFC 2047 encoded words (=?UTF-8?Q?...?=), as nodemailer folds a non-ASCII subject */
function decodeSubject(header: string): string {
  return header
    .replace(/\r\n /g, ' ')
    .replace(/=\?UTF-8\?([QB])\?([^?]*)\?=\s*/gi, (_w, enc: string, text: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(
            text
              .replace(/_/g, ' ')
              .replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
            'latin1',
          ).toString('utf8'),
    )
    .trim();
}

beforeEach(() => {
  mails.length = 0;
  pkiDir = mkdtempSync(path.join(os.tmpdir(), 'fieldline-smtp-pki-'));
  pki = makeTestPki(pkiDir);
  fx = openNotify(undefined, undefined, { smtpCa: pki.caPem });
  fx.service.policies.savePolicy(
    { routes: [], defaultChannels: ['mail'], flood: { alarms: 10, windowMs: 600_000 }, siteTimeZone: 'UTC' },
    () => true,
    fx.clock.now(),
  );
});

afterEach(async () => {
  await fx.service.close();
  fx.db.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  rmSync(pkiDir, { recursive: true, force: true });
});

describe('e-mail channel', () => {
  it('sends over STARTTLS with the stored password; firing and resolved in separate messages', async () => {
    saveChannel(await startSmtp());
    insertNotice(fx.db, { kind: 'raised', episode: 'm1' });
    await fx.service.tick();
    insertNotice(fx.db, { kind: 'ended', episode: 'm1' });
    await fx.service.tick();
    expect(mails).toHaveLength(2);
    expect(mails.every((m) => m.secure && m.user === 'alarms')).toBe(true);
    const subject = (raw: string) => decodeSubject(/^Subject: (.*(?:\r\n .*)*)/m.exec(raw)?.[1] ?? '');
    expect(subject(mails[0]?.raw ?? '')).toBe('[Firing] boiler-3 temperature 91.2 °C above 85 °C');
    expect(subject(mails[1]?.raw ?? '')).toBe('[Resolved] boiler-3 temperature 91.2 °C above 85 °C');
    expect(fx.service.channels.get('mail')?.lastResult?.ok).toBe(true);
  });

  it('refuses to send the password in clear text when the relay offers no STARTTLS', async () => {
    saveChannel(await startSmtp({ noStartTls: true }));
    const result = await fx.service.test('mail');
    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(/STARTTLS/i);
    expect(mails).toHaveLength(0);
  });

  it('sends in plain text only when the channel allows it', async () => {
    saveChannel(await startSmtp({ noStartTls: true }), true);
    const result = await fx.service.test('mail');
    expect(result).toMatchObject({ ok: true });
    expect(mails).toHaveLength(1);
    expect(mails[0]?.secure).toBe(false);
    expect(mails[0]?.raw).toMatch(/Subject: Fieldline test message/);
  });
});
