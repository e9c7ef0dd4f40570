/**
 * Local flashing with SMP (mcumgr) over USB serial or Bluetooth LE: the images a device
 * can take, its slots, one flash job at a time (start, cancel, resume after an engine
 * restart) and its progress. A job targets a device (through its serial connector, paused
 * while flashing, or the BLE connector that sees it), a port path or a BLE peripheral id.
 */
import { z } from 'zod';

const id = z.string().min(1).max(200);
const timestamp = z.number().int().min(0).max(8.64e15);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lowercase hex');

export const FLASH_STEP_NAMES = [
  'checking',
  'uploading',
  'marking',
  'resetting',
  'reconnecting',
  'verifying',
  'health',
  'confirming',
  'reverting',
] as const;

export const FLASH_OUTCOMES = ['installed', 'already-installed', 'reverted', 'failed', 'cancelled'] as const;

export const FlashTargetSchema = z
  .object({
    deviceId: id.optional(),
    port: z.string().min(1).max(1000).optional(),
    baudRate: z.number().int().min(1200).max(20_000_000).optional(),
    /** a peripheral a BLE connector sees (its id in the BLE explorer) */
    peripheralId: z.string().min(1).max(200).optional(),
  })
  .strict()
  .refine((t) => [t.deviceId, t.port, t.peripheralId].filter((x) => x !== undefined).length === 1, {
    message: 'give one of a deviceId, a port or a peripheralId',
  });

export const FlashProgressSchema = z.object({
  offset: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  bytesPerSecond: z.number().nonnegative(),
  secondsLeft: z.number().nonnegative().nullable(),
});

export const FlashJobSchema = z.object({
  id,
  deviceId: z.string().nullable(),
  /** absent in job files written before BLE flashing: serial */
  link: z.enum(['serial', 'ble']).optional(),
  /** the serial port path, or the BLE peripheral id */
  port: z.string(),
  /** 0 over Bluetooth */
  baudRate: z.number().int().min(0).max(20_000_000),
  sha256,
  version: z.string(),
  /** interrupted: the engine stopped while the job ran; Resume continues it from where the device is */
  state: z.enum(['running', 'interrupted', 'finished']),
  step: z.enum(FLASH_STEP_NAMES).nullable(),
  progress: FlashProgressSchema.nullable(),
  /** during the health check: the device's good readings since the new image booted */
  healthReadings: z.number().int().nonnegative().optional(),
  result: z
    .object({
      outcome: z.enum(FLASH_OUTCOMES),
      message: z.string(),
      runningVersion: z.string().nullable(),
      /** the device's first upload answer: where a resumed upload continued */
      firstOffset: z.number().int().nonnegative(),
    })
    .nullable(),
  startedAt: timestamp,
  endedAt: timestamp.nullable(),
  /** why the target was unknown when the operator chose to flash anyway; absent/null: it matched */
  targetOverride: z.string().nullable().optional(),
});
export type FlashJob = z.infer<typeof FlashJobSchema>;

export const FlashImageSchema = z.object({
  sha256,
  version: z.string(),
  /** the SHA256 TLV in hex, as the device's slots report it; null when the image does not parse */
  imageHash: z.string().nullable(),
  size: z.number().int().nonnegative(),
  compatible: z.boolean(),
  /** why the image cannot be flashed (signature, size, target), in plain words */
  reason: z.string().nullable(),
  /**
   * the image's hardware against the device's (asked with a target): unknown on either side
   * may be flashed only with `allowUnknownTarget` (targetReason says what is unknown)
   */
  target: z.enum(['compatible', 'incompatible', 'unknown']).nullable(),
  targetReason: z.string().nullable(),
});

export const FlashSlotSchema = z.object({
  slot: z.number().int().nonnegative(),
  version: z.string(),
  hash: z.string(),
  active: z.boolean(),
  confirmed: z.boolean(),
  pending: z.boolean(),
});

export const flashRequests = {
  /** images in the library, each checked for flashing (signature against the pinned keys, format, size) */
  'flash.images': {
    params: z.object({ target: FlashTargetSchema.optional() }).strict().optional(),
    result: z.array(FlashImageSchema),
  },
  /** the device's image slots, read over SMP (its serial connector is paused for the moment) */
  'flash.slots': { params: FlashTargetSchema, result: z.array(FlashSlotSchema) },
  /**
   * verifies the image and its target, then starts flashing; refused before any byte is sent if
   * the image is bad or for other hardware, or its or the device's hardware is unknown and
   * `allowUnknownTarget` (the operator's audited override) is not given
   */
  'flash.start': {
    params: z
      .object({ target: FlashTargetSchema, sha256, allowUnknownTarget: z.boolean().optional() })
      .strict(),
    result: FlashJobSchema,
  },
  'flash.cancel': { params: z.object({}).strict().optional(), result: FlashJobSchema.nullable() },
  /** continues an interrupted or failed job: the upload resumes from the device's offset */
  'flash.resume': { params: z.object({}).strict().optional(), result: FlashJobSchema },
  /** the running job, or the last one */
  'flash.status': { params: z.object({}).strict().optional(), result: FlashJobSchema.nullable() },
} as const;

export const flashStreams = {
  /** the job on every step and at most every 200 ms of upload progress */
  'flash.progress': { params: z.object({}).strict().optional(), data: FlashJobSchema },
} as const;
