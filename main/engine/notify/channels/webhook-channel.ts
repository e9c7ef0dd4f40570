/**
 * Standard Webhooks: a JSON body signed per attempt; webhook-id stays the same on every
 * retry so a receiver drops duplicates, webhook-timestamp and the signature are fresh.
 */
import { type Channel, headline, type NotifyMessage, type SendOutcome } from '../notify-message';
import { postJson } from './http-post';
import { sign } from './webhook-signature';

export class WebhookChannel implements Channel {
  readonly perMinute = 600;
  readonly groups = true;
  readonly rateKey: string;

  constructor(
    private readonly url: string,
    private readonly secret: string,
    private readonly now: () => number = Date.now,
  ) {
    this.rateKey = `webhook:${url}`;
  }

  send(message: NotifyMessage): Promise<SendOutcome> {
    const body = JSON.stringify({
      type: `alarm.${message.kind}`,
      timestamp: new Date(this.now()).toISOString(),
      data: {
        title: headline(message),
        dedupKey: message.dedupKey,
        status:
          message.kind === 'resolve'
            ? 'resolved'
            : message.kind === 'acknowledge'
              ? 'acknowledged'
              : 'firing',
        alerts: message.alerts,
      },
    });
    const ts = Math.floor(this.now() / 1000);
    return postJson(this.url, body, {
      'webhook-id': message.id,
      'webhook-timestamp': String(ts),
      'webhook-signature': sign(this.secret, message.id, ts, body),
    });
  }
}
