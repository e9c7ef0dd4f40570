/**
 * E-mail over SMTP with nodemailer. STARTTLS is required (requireTLS) unless the user chose
 * `allowPlain`, so a relay that stops offering it cannot downgrade the password to clear
 * text; port 465 uses implicit TLS. nodemailer keeps nothing: queueing and retries are the
 * outbox's. SMTP 4xx and network failures are retried, 5xx refusals are dead letters.
 */

import type { Transporter } from 'nodemailer';
import nodemailer from 'nodemailer';
import { alertLine, type Channel, headline, type NotifyMessage, type SendOutcome } from '../notify-message';

export interface EmailSettings {
  host: string;
  port: number;
  secure: boolean;
  allowPlain: boolean;
  user?: string;
  password?: string;
  from: string;
  to: string[];
  /** extra trust anchors (a site relay with its own CA; tests) */
  ca?: string;
}

export class EmailChannel implements Channel {
  readonly perMinute = 60;
  readonly groups = true;
  readonly rateKey: string;
  private readonly transport: Transporter;

  constructor(private readonly settings: EmailSettings) {
    this.rateKey = `email:${settings.host}:${settings.port}`;
    this.transport = nodemailer.createTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      requireTLS: !settings.secure && !settings.allowPlain,
      ignoreTLS: false,
      auth: settings.user ? { user: settings.user, pass: settings.password ?? '' } : undefined,
      tls: settings.ca ? { ca: settings.ca } : undefined,
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 30_000,
    });
  }

  async send(message: NotifyMessage): Promise<SendOutcome> {
    const lines = message.alerts.map((a) => `- ${alertLine(a)}`);
    const text =
      message.kind === 'test'
        ? 'This is a test from Fieldline: alarm notifications to this address work.'
        : `${headline(message)}\n\n${lines.join('\n')}\n`;
    try {
      const info = await this.transport.sendMail({
        from: this.settings.from,
        to: this.settings.to,
        subject: message.kind === 'test' ? 'Fieldline test message' : headline(message),
        text,
        // the same Message-ID on every retry, so a relay or reader can drop a duplicate
        messageId: `<${message.id}@fieldline.local>`,
      });
      return { ok: true, detail: `accepted: ${info.response ?? ''}`.trim() };
    } catch (error) {
      const code = (error as { responseCode?: number }).responseCode;
      const detail = (error as Error).message;
      if (code !== undefined && code >= 500) return { ok: false, retry: false, detail: `refused: ${detail}` };
      return { ok: false, retry: true, detail };
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
