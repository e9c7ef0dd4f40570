/**
 * The device-side job protocol on MQTT, modelled on AWS IoT Jobs' MQTT API (notify-next,
 * $next/get, start-next, {jobId}/update with /accepted and /rejected replies) under
 * `fieldline/{deviceId}/jobs/`, plus two Fieldline additions: image chunks over MQTT and a
 * post-update heartbeat. Written up for firmware authors in resources/docs/ota-jobs-mqtt.md.
 */
import { z } from 'zod';

export const JOB_ROOT = 'fieldline';
/** a device id that can stand in a topic: no separators, wildcards or $ */
export const TOPIC_SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
export const MAX_REQUEST_BYTES = 8 * 1024;
export const MAX_CHUNK_BYTES = 32 * 1024;
export const DEFAULT_CHUNK_BYTES = 4 * 1024;

export const jobTopics = (deviceId: string) => {
  const base = `${JOB_ROOT}/${deviceId}/jobs`;
  return {
    base,
    notifyNext: `${base}/notify-next`,
    getNext: `${base}/$next/get`,
    startNext: `${base}/start-next`,
    update: (jobId: string) => `${base}/${jobId}/update`,
    chunk: (jobId: string) => `${base}/${jobId}/chunk/get`,
    heartbeat: `${base}/heartbeat`,
  };
};

/** Engine side: every request a device may send, on `fieldline/+/jobs/#`. */
export const JOB_REQUEST_FILTER = `${JOB_ROOT}/+/jobs/#`;

export type JobRequestTopic =
  | { kind: 'get-next'; deviceId: string }
  | { kind: 'start-next'; deviceId: string }
  | { kind: 'update'; deviceId: string; jobId: string }
  | { kind: 'chunk'; deviceId: string; jobId: string }
  | { kind: 'heartbeat'; deviceId: string };

const JOB_ID = /^[A-Za-z0-9_.-]{1,80}$/;

/** Which request a topic carries, or null for replies, notifications and anything else. */
export function parseRequestTopic(topic: string): JobRequestTopic | null {
  const parts = topic.split('/');
  if (parts[0] !== JOB_ROOT || parts[2] !== 'jobs') return null;
  const deviceId = parts[1] ?? '';
  if (!TOPIC_SAFE_ID.test(deviceId)) return null;
  const rest = parts.slice(3).join('/');
  if (rest === '$next/get') return { kind: 'get-next', deviceId };
  if (rest === 'start-next') return { kind: 'start-next', deviceId };
  if (rest === 'heartbeat') return { kind: 'heartbeat', deviceId };
  const jobId = parts[3] ?? '';
  if (parts.length === 5 && parts[4] === 'update' && JOB_ID.test(jobId))
    return { kind: 'update', deviceId, jobId };
  if (parts.length === 6 && parts[4] === 'chunk' && parts[5] === 'get' && JOB_ID.test(jobId))
    return { kind: 'chunk', deviceId, jobId };
  return null;
}

const clientToken = z.string().max(64).optional();
const detail = z.string().max(500);

export const GetNextRequestSchema = z.object({ clientToken }).passthrough();

export const StartNextRequestSchema = z
  .object({ clientToken, statusDetails: z.record(z.string().max(64), detail).optional() })
  .passthrough();

export const UpdateRequestSchema = z
  .object({
    status: z.enum(['IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'REJECTED']),
    statusDetails: z
      .object({
        step: z.enum(['downloading', 'installing', 'rebooting']).optional(),
        reason: detail.optional(),
        version: z.string().max(64).optional(),
      })
      .passthrough()
      .optional(),
    expectedVersion: z.number().int().nonnegative().optional(),
    clientToken,
  })
  .passthrough();
export type UpdateRequest = z.infer<typeof UpdateRequestSchema>;

export const ChunkRequestSchema = z
  .object({
    clientToken,
    offset: z.number().int().nonnegative(),
    length: z.number().int().min(1).max(MAX_CHUNK_BYTES).default(DEFAULT_CHUNK_BYTES),
  })
  .passthrough();

export const HeartbeatSchema = z
  .object({ version: z.string().min(1).max(64), uptimeS: z.number().nonnegative().optional() })
  .passthrough();

/** The job document a device receives (AWS: `jobDocument`). */
export interface JobDocument {
  operation: 'install' | 'rollback';
  firmware: { sha256: string; version: string; size: number };
  /** rollback: boot the image the device ran before (MCUboot: the other slot) */
  rollbackTo: string | null;
  delivery: {
    mqtt: { chunkTopic: string; maxChunkBytes: number };
    /** when the engine's image server is on: GET with the device certificate, Range to resume */
    https?: { url: string };
  };
}

export interface JobExecutionMessage {
  jobId: string;
  status: 'QUEUED' | 'IN_PROGRESS';
  versionNumber: number;
  jobDocument: JobDocument;
}

export type RejectCode =
  | 'InvalidTopic'
  | 'InvalidJson'
  | 'InvalidRequest'
  | 'InvalidStateTransition'
  | 'ResourceNotFound'
  | 'VersionMismatch'
  | 'TerminalStateReached'
  | 'InternalError';

/** Parses a request body: bounded, JSON, an object matching `schema`; else the AWS error code. */
export function parseBody<T>(
  payload: Uint8Array,
  schema: z.ZodType<T>,
): { ok: true; value: T } | { ok: false; code: RejectCode; message: string } {
  if (payload.length > MAX_REQUEST_BYTES)
    return { ok: false, code: 'InvalidRequest', message: `larger than ${MAX_REQUEST_BYTES} bytes` };
  let json: unknown;
  try {
    json = payload.length === 0 ? {} : JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    return { ok: false, code: 'InvalidJson', message: 'the payload is not JSON' };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    return {
      ok: false,
      code: 'InvalidRequest',
      message: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    };
  return { ok: true, value: parsed.data };
}
