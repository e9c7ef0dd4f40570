/**
 * Simulated fleet devices speaking the MQTT job protocol as firmware would: each has its
 * own MQTT connection, takes its next job, fetches the image in chunks and checks its
 * SHA-256, walks install → reboot, confirms and sends a heartbeat on the new version, or
 * fails the way its behaviour says. A device remembers the jobs it ran, so a repeated
 * notification (after an engine restart) never installs twice.
 */
import { createHash, randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import type { FleetBehaviour } from './fleet-behaviour';
import { type DeviceTls, getImage } from './image-https-client';
import { type JobDocument, type JobExecutionMessage, jobTopics } from './job-protocol';
import { sendAtOnce } from './mqtt-job-service';

export interface SimulatedFleetOptions {
  brokerUrl: string;
  deviceIds: readonly string[];
  /** asked for each job, so a fleet can fail on one image and not another */
  behaviourOf: (deviceId: string, firmware: { sha256: string; version: string }) => FleetBehaviour;
  /** the version each device runs at start */
  version: string;
  /** pause between steps, ms: reboot and flash time */
  stepMs?: number;
  chunkBytes?: number;
  /** how long to wait for a reply before sending the request again (5 tries) */
  replyTimeoutMs?: number;
  /** the device's project-CA certificate: with it, a job offering HTTPS is fetched over HTTPS */
  tlsOf?: (deviceId: string) => DeviceTls | undefined;
  /** the first HTTPS fetch of each job is cut after this many bytes, so the device resumes with Range */
  cutHttpsAfterBytes?: number;
  /** the device runs the new image: its readings start (insane for 'insane-readings'), to whoever ingests them */
  telemetry?: (deviceId: string, insane: boolean) => void;
}

class SimulatedJobDevice {
  version: string;
  readonly done: string[] = [];
  installs = 0;
  /** requests sent again because no reply came in time */
  retries = 0;
  /** HTTPS fetches, and those that asked for the rest with Range after a cut */
  readonly https = { requests: 0, resumed: 0 };
  /** what went wrong on the device's side, for test failure messages */
  lastError: string | null = null;
  private busy: string | null = null;
  private readonly partial = new Map<string, Buffer[]>();
  private readonly waiting = new Map<
    string,
    (reply: { ok: boolean; body: Record<string, unknown> }) => void
  >();
  private client: MqttClient | undefined;

  private behaviour: FleetBehaviour = 'good';

  constructor(
    readonly id: string,
    private readonly options: SimulatedFleetOptions,
  ) {
    this.version = options.version;
  }

  async connect(): Promise<void> {
    const t = jobTopics(this.id);
    const client = await mqtt.connectAsync(this.options.brokerUrl, {
      protocolVersion: 4,
      clientId: `sim-${this.id}`,
      reconnectPeriod: 200,
    });
    this.client = client;
    sendAtOnce(client);
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    await client.subscribeAsync(
      [t.notifyNext, `${t.base}/start-next/+`, `${t.base}/+/update/+`, `${t.base}/+/chunk/+`],
      {
        qos: 1,
      },
    );
  }

  async close(): Promise<void> {
    await this.client?.endAsync(true);
  }

  private onMessage(topic: string, payload: Buffer): void {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
    } catch {
      return;
    }
    if (topic === jobTopics(this.id).notifyNext) {
      const execution = body.execution as JobExecutionMessage | undefined;
      if (execution) void this.run(execution);
      return;
    }
    // our own requests come back on the `+` subscriptions too
    if (!topic.endsWith('/accepted') && !topic.endsWith('/rejected')) return;
    const token = typeof body.clientToken === 'string' ? body.clientToken : '';
    const resolve = this.waiting.get(token);
    if (!resolve) return;
    this.waiting.delete(token);
    resolve({ ok: topic.endsWith('/accepted'), body });
  }

  /** Sends a request until a reply comes, as firmware does when the server does not answer. */
  private async request(
    topic: string,
    body: Record<string, unknown>,
  ): Promise<{ ok: boolean; body: Record<string, unknown> }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.requestOnce(topic, body);
      } catch (error) {
        this.retries++;
        if (attempt >= 5) throw error;
      }
    }
  }

  private requestOnce(
    topic: string,
    body: Record<string, unknown>,
  ): Promise<{ ok: boolean; body: Record<string, unknown> }> {
    const clientToken = randomUUID().slice(0, 16);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(clientToken);
        reject(new Error(`no reply on ${topic}`));
      }, this.options.replyTimeoutMs ?? 5000);
      this.waiting.set(clientToken, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.client?.publish(topic, JSON.stringify({ ...body, clientToken }), { qos: 1 });
    });
  }

  private update(jobId: string, status: string, statusDetails: Record<string, string> = {}) {
    return this.request(jobTopics(this.id).update(jobId), { status, statusDetails });
  }

  private async run(execution: JobExecutionMessage): Promise<void> {
    const { jobId, jobDocument: doc } = execution;
    if (this.done.includes(jobId) || this.busy === jobId) return;
    this.busy = jobId;
    this.behaviour = this.options.behaviourOf(this.id, doc.firmware);
    try {
      if (doc.operation === 'rollback') {
        if (this.behaviour === 'never-back') return;
        await this.update(jobId, 'IN_PROGRESS');
        await this.pause();
        this.version = doc.rollbackTo ?? this.version;
        this.done.push(jobId);
        await this.update(jobId, 'SUCCEEDED', { version: this.version });
        return;
      }
      if (this.behaviour === 'reject') return void (await this.finish(jobId, 'REJECTED', 'device is locked'));
      if (this.behaviour === 'incompatible')
        return void (await this.finish(jobId, 'REJECTED', 'incompatible'));
      const started = await this.request(jobTopics(this.id).startNext, {});
      const taken = started.body.execution as JobExecutionMessage | undefined;
      if (!started.ok || taken?.jobId !== jobId) return;
      const image = await this.fetchImage(jobId, doc);
      if (createHash('sha256').update(image).digest('hex') !== doc.firmware.sha256)
        return void (await this.finish(jobId, 'FAILED', 'image hash mismatch'));
      await this.update(jobId, 'IN_PROGRESS', { step: 'installing' });
      this.installs++;
      await this.pause();
      if (this.behaviour === 'fail-install')
        return void (await this.finish(jobId, 'FAILED', 'flash write failed'));
      await this.update(jobId, 'IN_PROGRESS', { step: 'rebooting' });
      await this.pause();
      if (this.behaviour === 'never-back') {
        this.done.push(jobId);
        await this.client?.endAsync(true);
        return;
      }
      if (this.behaviour === 'fail-health')
        return void (await this.finish(jobId, 'FAILED', 'self-test failed after boot; MCUboot reverted'));
      this.version = doc.firmware.version;
      await this.finish(jobId, 'SUCCEEDED', undefined, { version: this.version });
      this.client?.publish(
        jobTopics(this.id).heartbeat,
        JSON.stringify({ version: this.version, uptimeS: 1 }),
        {
          qos: 1,
        },
      );
      this.options.telemetry?.(this.id, this.behaviour === 'insane-readings');
    } catch (error) {
      this.lastError = (error as Error).message;
    } finally {
      if (this.busy === jobId) this.busy = null;
    }
  }

  private async finish(jobId: string, status: string, reason?: string, extra: Record<string, string> = {}) {
    this.done.push(jobId);
    await this.update(jobId, status, { ...(reason ? { reason } : {}), ...extra });
  }

  private fetchImage(jobId: string, doc: JobDocument): Promise<Buffer> {
    const tls = this.options.tlsOf?.(this.id);
    const url = doc.delivery.https?.url;
    return url && tls ? this.downloadHttps(jobId, url, tls) : this.download(jobId, doc.firmware.size);
  }

  /** Like firmware with a flash-backed buffer: what arrived stays, and a cut resumes from there. */
  private async downloadHttps(jobId: string, url: string, tls: DeviceTls): Promise<Buffer> {
    const parts = this.partial.get(jobId) ?? [];
    this.partial.set(jobId, parts);
    let cut = this.options.cutHttpsAfterBytes;
    for (let attempt = 1; ; attempt++) {
      const have = parts.reduce((n, p) => n + p.length, 0);
      this.https.requests++;
      if (have > 0) this.https.resumed++;
      const reply = await getImage(url, tls, {
        ...(have > 0 ? { headers: { Range: `bytes=${have}-` } } : {}),
        ...(cut !== undefined ? { cutAfterBytes: cut } : {}),
      });
      cut = undefined;
      const resumedAt = String(reply.ok ? reply.headers['content-range'] : '');
      if (reply.ok && reply.status === 206 && !resumedAt.startsWith(`bytes ${have}-`))
        throw new Error(`asked for bytes from ${have}, got ${resumedAt}`);
      if (reply.ok && (reply.status === 200 || reply.status === 206)) {
        // a 200 is the whole image again (the server ignored the Range): start over from it
        if (reply.status === 200) parts.length = 0;
        parts.push(reply.body);
        this.partial.delete(jobId);
        await this.update(jobId, 'IN_PROGRESS', { step: 'downloading' });
        return Buffer.concat(parts);
      }
      if (reply.ok) throw new Error(`image download refused: HTTP ${reply.status}`);
      parts.push(reply.received);
      if (attempt >= 5) throw new Error(`image download failed: ${reply.error}`);
    }
  }

  private async download(jobId: string, size: number): Promise<Buffer> {
    // a download cut short (the engine went away) resumes where it stopped
    const parts = this.partial.get(jobId) ?? [];
    this.partial.set(jobId, parts);
    const length = this.options.chunkBytes ?? 4096;
    for (let offset = parts.reduce((n, p) => n + p.length, 0); offset < size; ) {
      const reply = await this.request(jobTopics(this.id).chunk(jobId), { offset, length });
      if (!reply.ok) throw new Error(`chunk at ${offset} refused: ${String(reply.body.message)}`);
      const data = Buffer.from(String(reply.body.data), 'base64');
      if (data.length === 0) break;
      parts.push(data);
      offset += data.length;
      if (parts.length % 4 === 0) await this.update(jobId, 'IN_PROGRESS', { step: 'downloading' });
    }
    this.partial.delete(jobId);
    return Buffer.concat(parts);
  }

  private pause(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, this.options.stepMs ?? 5));
  }
}

export class SimulatedMqttFleet {
  readonly devices: SimulatedJobDevice[];

  constructor(options: SimulatedFleetOptions) {
    this.devices = options.deviceIds.map((id) => new SimulatedJobDevice(id, options));
  }

  async start(): Promise<void> {
    await Promise.all(this.devices.map((d) => d.connect()));
  }

  async close(): Promise<void> {
    await Promise.all(this.devices.map((d) => d.close()));
  }

  device(id: string): SimulatedJobDevice | undefined {
    return this.devices.find((d) => d.id === id);
  }
}
