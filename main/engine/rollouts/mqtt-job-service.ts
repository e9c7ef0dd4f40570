/**
 * The engine's end of the MQTT job protocol: publishes each device's next job (retained,
 * so a device that connects later still finds it), answers get/start-next/update/chunk
 * requests, and passes heartbeats to the campaign engine. Every device message is hostile
 * until parsed: malformed ones get an AWS-style /rejected reply, never a crash.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '../log';
import {
  ChunkRequestSchema,
  GetNextRequestSchema,
  HeartbeatSchema,
  JOB_REQUEST_FILTER,
  type JobDocument,
  type JobExecutionMessage,
  jobTopics,
  MAX_CHUNK_BYTES,
  parseBody,
  parseRequestTopic,
  type RejectCode,
  StartNextRequestSchema,
  TOPIC_SAFE_ID,
  UpdateRequestSchema,
} from './job-protocol';
import type { JobChannel, JobExecution, RolloutEngine } from './rollout-engine';

export interface MqttJobServiceOptions {
  brokerUrl: string;
  clientOptions?: IClientOptions;
  /** the image bytes of a firmware sha256, from the firmware store; undefined if missing */
  image: (sha256: string) => Promise<Uint8Array | undefined>;
  /** the image server's URL for a firmware sha256 while it is on (asked at each publish) */
  imageUrl?: (sha256: string) => string | undefined;
  log: Logger;
}

export class MqttJobService implements JobChannel {
  engine: RolloutEngine | undefined;
  private client: MqttClient | undefined;
  private readonly images = new Map<string, Promise<Uint8Array | undefined>>();
  /** keeps publishes in order although loading an image is async */
  private chain: Promise<void> = Promise.resolve();
  readonly stats = { requests: 0, rejected: 0, chunks: 0 };

  constructor(private readonly options: MqttJobServiceOptions) {}

  async start(): Promise<void> {
    // no retries for the first connection: a wrong URL is reported, not retried forever;
    // once connected, the client reconnects by itself
    const client = await mqtt.connectAsync(
      this.options.brokerUrl,
      {
        protocolVersion: 4,
        clientId: `fieldline-jobs-${process.pid}-${Date.now().toString(36)}`,
        reconnectPeriod: 1000,
        ...this.options.clientOptions,
      },
      false,
    );
    this.client = client;
    sendAtOnce(client);
    client.on('message', (topic, payload) => {
      try {
        this.onMessage(topic, payload);
      } catch (error) {
        this.options.log.error('job request failed', { topic, error: (error as Error).message });
      }
    });
    client.on('error', (error) => this.options.log.warn('job broker error', { error: error.message }));
    await client.subscribeAsync(JOB_REQUEST_FILTER, { qos: 1 });
  }

  async close(): Promise<void> {
    await this.chain;
    // a broker that is gone would keep a graceful end waiting for acknowledgements
    await this.client?.endAsync(!this.client.connected);
    this.client = undefined;
  }

  /** Resolves once every publish queued so far has been handed to the client. */
  flushed(): Promise<void> {
    return this.chain;
  }

  publish(deviceId: string, job: JobExecution | null): void {
    if (!TOPIC_SAFE_ID.test(deviceId)) {
      this.options.log.warn('device id cannot be used in an MQTT topic; job not sent', { deviceId });
      return;
    }
    this.chain = this.chain.then(async () => {
      const execution = job ? await this.execution(deviceId, job) : undefined;
      this.send(
        jobTopics(deviceId).notifyNext,
        { timestamp: nowS(), ...(execution ? { execution } : {}) },
        true,
      );
    });
  }

  private async execution(deviceId: string, job: JobExecution): Promise<JobExecutionMessage | undefined> {
    const bytes = await this.image(job.firmware.sha256);
    const url = job.operation === 'install' ? this.options.imageUrl?.(job.firmware.sha256) : undefined;
    const document: JobDocument = {
      operation: job.operation,
      firmware: { ...job.firmware, size: bytes?.length ?? 0 },
      rollbackTo: job.rollbackTo,
      delivery: {
        mqtt: { chunkTopic: jobTopics(deviceId).chunk(job.jobId), maxChunkBytes: MAX_CHUNK_BYTES },
        ...(url ? { https: { url } } : {}),
      },
    };
    return { jobId: job.jobId, status: job.status, versionNumber: job.versionNumber, jobDocument: document };
  }

  private image(sha256: string): Promise<Uint8Array | undefined> {
    let loaded = this.images.get(sha256);
    if (!loaded) {
      loaded = this.options.image(sha256).catch(() => undefined);
      this.images.set(sha256, loaded);
    }
    return loaded;
  }

  private onMessage(topic: string, payload: Buffer): void {
    const request = parseRequestTopic(topic);
    const engine = this.engine;
    if (!request || !engine) return;
    this.stats.requests++;
    const { deviceId } = request;
    const topics = jobTopics(deviceId);
    switch (request.kind) {
      case 'heartbeat': {
        const body = parseBody(payload, HeartbeatSchema);
        if (body.ok) engine.heartbeat(deviceId, body.value.version);
        return;
      }
      case 'get-next': {
        const body = parseBody(payload, GetNextRequestSchema);
        if (body.ok) this.answer(topics.getNext, body.value.clientToken, engine.nextJob(deviceId), deviceId);
        else this.reject(topics.getNext, undefined, body.code, body.message);
        return;
      }
      case 'start-next': {
        const body = parseBody(payload, StartNextRequestSchema);
        if (body.ok)
          this.answer(topics.startNext, body.value.clientToken, engine.startNext(deviceId), deviceId);
        else this.reject(topics.startNext, undefined, body.code, body.message);
        return;
      }
      case 'update': {
        const reply = topics.update(request.jobId);
        const body = parseBody(payload, UpdateRequestSchema);
        if (!body.ok) {
          this.reject(reply, undefined, body.code, body.message);
          return;
        }
        const u = body.value;
        const details = u.statusDetails ?? {};
        const outcome = engine.report(
          deviceId,
          request.jobId,
          { status: u.status, step: details.step, reason: details.reason, version: details.version },
          u.expectedVersion,
        );
        if (!outcome.ok) {
          this.reject(reply, u.clientToken, outcome.code, outcome.message);
          return;
        }
        this.send(`${reply}/accepted`, {
          clientToken: u.clientToken,
          timestamp: nowS(),
          executionState: { status: u.status, statusDetails: details, versionNumber: outcome.versionNumber },
        });
        return;
      }
      case 'chunk':
        void this.chunk(deviceId, request.jobId, payload);
        return;
    }
  }

  private async chunk(deviceId: string, jobId: string, payload: Buffer): Promise<void> {
    const reply = jobTopics(deviceId)
      .chunk(jobId)
      .replace(/\/get$/, '');
    const body = parseBody(payload, ChunkRequestSchema);
    if (!body.ok) return this.reject(reply, undefined, body.code, body.message);
    const { clientToken, offset, length } = body.value;
    // only the device's own running install job may fetch the image
    const job = this.engine?.nextJob(deviceId);
    if (!job || job.jobId !== jobId || job.operation !== 'install' || job.status !== 'IN_PROGRESS')
      return this.reject(
        reply,
        clientToken,
        'ResourceNotFound',
        `no started install job ${jobId} for ${deviceId}`,
      );
    const bytes = await this.image(job.firmware.sha256);
    if (!bytes)
      return this.reject(reply, clientToken, 'InternalError', 'the image is not in the firmware store');
    if (offset > bytes.length)
      return this.reject(
        reply,
        clientToken,
        'InvalidRequest',
        `offset ${offset} is past the end (${bytes.length})`,
      );
    const data = Buffer.from(bytes.subarray(offset, offset + length)).toString('base64');
    this.stats.chunks++;
    this.send(`${reply}/accepted`, { clientToken, offset, total: bytes.length, data });
  }

  private answer(
    reply: string,
    clientToken: string | undefined,
    job: JobExecution | null,
    deviceId: string,
  ): void {
    this.chain = this.chain.then(async () => {
      const execution = job ? await this.execution(deviceId, job) : undefined;
      this.send(`${reply}/accepted`, { clientToken, timestamp: nowS(), ...(execution ? { execution } : {}) });
    });
  }

  private reject(reply: string, clientToken: string | undefined, code: RejectCode, message: string): void {
    this.stats.rejected++;
    this.send(`${reply}/rejected`, { clientToken, timestamp: nowS(), code, message });
  }

  private send(topic: string, body: unknown, retain = false): void {
    this.client?.publish(topic, JSON.stringify(body), { qos: 1, retain }, (error) => {
      if (error) this.options.log.warn('job publish failed', { topic, error: error.message });
    });
  }
}

/**
 * Jobs are request/reply: with Nagle on, each small reply waits for the previous ACK
 * (~40 ms per chunk of image). Applies to every reconnect too.
 */
export function sendAtOnce(client: MqttClient): void {
  const apply = () =>
    (client.stream as { setNoDelay?: (on: boolean) => void } | undefined)?.setNoDelay?.(true);
  apply();
  client.on('connect', apply);
}

const nowS = (): number => Math.floor(Date.now() / 1000);
