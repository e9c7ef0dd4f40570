/**
 * Test fixtures: alarm notices written into migration 015's alarm_notices table the way the
 * alarm engine writes them, a notify service over a real SQLite file with a settable clock,
 * and a local HTTP receiver that records what it is sent.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Database from 'better-sqlite3';
import type { AlarmState, Severity } from '../../../common/alarm-contract';
import type { AlarmNotice, NoticeKind } from '../alarms/alarm-notices';
import { NoticeTableSource } from '../alarms/notice-table-source';
import { masterKeyFromBytes } from '../secrets/master-key';
import { SecretStore } from '../secrets/secret-store';
import { openDatabase } from '../store/database';
import { silent, tempDataDir } from '../store/test-fixtures';
import { verify } from './channels/webhook-signature';
import { NotifyService } from './notify-service';

const TO: Record<NoticeKind, AlarmState> = {
  raised: 'active_unack',
  escalated: 'active_unack',
  deescalated: 'active_unack',
  acknowledged: 'active_ack',
  cleared: 'rtn_unack',
  ended: 'normal',
  shelved: 'shelved',
  unshelved: 'active_unack',
  suppressed: 'suppressed',
  unsuppressed: 'active_unack',
};

export interface NoticeSpec {
  kind: NoticeKind;
  episode: string;
  rule?: string;
  device?: string;
  severity?: Severity;
  labels?: Record<string, string>;
  at?: number;
  shadow?: boolean;
  episodeStart?: number;
  /** back-filled: the alarm engine evaluated it past its lateness bound */
  late?: boolean;
}

/** one notice as alarm-core journals it: body = the notice without seq */
export function insertNotice(db: Database.Database, n: NoticeSpec): void {
  const rule = n.rule ?? 'boiler-hot';
  const device = n.device ?? 'boiler-3';
  const at = n.at ?? 1_780_000_000_000;
  const notice: Omit<AlarmNotice, 'seq'> = {
    kind: n.kind,
    transition: {
      seq: 0,
      key: `${rule}/${device}/temperature`,
      ruleId: rule,
      ruleVersion: 1,
      deviceId: device,
      metric: 'temperature',
      episodeId: n.episode,
      from: 'normal',
      to: TO[n.kind],
      severity: n.severity ?? 'high',
      value: 91.2,
      deviceTime: at,
      at,
      late: n.late ?? false,
      shadow: n.shadow ?? false,
      actor: null,
      reason: null,
    },
    ruleName: rule,
    labels: {
      rule,
      device,
      metric: 'temperature',
      severity: n.severity ?? 'high',
      site: 'plant-a',
      profile: '',
      ...n.labels,
    },
    dedupKey: `dedup-${n.episode}`,
    summary: `${device} temperature 91.2 °C above 85 °C`,
    shadow: n.shadow ?? false,
    episodeStart: n.episodeStart ?? at,
  };
  db.prepare(
    'INSERT INTO alarm_notices (transition_seq, dedup_key, body, created_at) VALUES (0, ?, ?, ?)',
  ).run(notice.dedupKey, JSON.stringify(notice), at);
}

export class Clock {
  constructor(public t = 1_780_000_000_000) {}
  now = () => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

/** a notify service on a real SQLite file; `reopen` is a restart on the same file */
export function openNotify(
  dataDir = tempDataDir('notify'),
  clock = new Clock(),
  extra: { smtpCa?: string; publishMqtt?: NotifyServiceOptionsPublish } = {},
) {
  const { db } = openDatabase({ dataDir, log: silent });
  const secrets = new SecretStore(db, masterKeyFromBytes(Buffer.alloc(32, 7)));
  const source = new NoticeTableSource(db);
  const service = new NotifyService({
    db,
    secrets,
    source,
    log: silent,
    now: clock.now,
    random: () => 0.5,
    smtpCa: extra.smtpCa,
    publishMqtt:
      extra.publishMqtt ??
      (async () => {
        throw new Error('no MQTT in this test');
      }),
  });
  return { db, secrets, source, service, clock, dataDir };
}

type NotifyServiceOptionsPublish = ConstructorParameters<typeof NotifyService>[0]['publishMqtt'];

export interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** an HTTP endpoint on 127.0.0.1 whose answers the test decides */
/** a receiver's answer that checks the Standard Webhooks signature: 204 when it holds, 401 when not */
export function answerSigned(secret: string): Receiver['respond'] {
  return (r, res) => {
    const ok = verify(
      secret,
      String(r.headers['webhook-id']),
      Number(r.headers['webhook-timestamp']),
      r.body,
      String(r.headers['webhook-signature']),
    );
    res.writeHead(ok ? 204 : 401);
    res.end();
  };
}

export class Receiver {
  readonly received: Received[] = [];
  private server: Server | undefined;
  respond: (r: Received, res: ServerResponse) => void = (_r, res) => {
    res.writeHead(202, { 'content-type': 'application/json' });
    res.end('{"status":"success"}');
  };

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const r = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.received.push(r);
        this.respond(r, res);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
