/**
 * The commissioning wizard: one session per device, taken step by step from the box to
 * reporting. Sessions live in the engine's SQLite file, so the wizard resumes after a
 * cable pull or an app restart exactly where it was. Secrets the technician types (the
 * Wi-Fi password) are sealed in the engine and never come back over this contract.
 */
import { z } from 'zod';

const id = z.string().min(1).max(200);
const timestamp = z.number().int().min(0).max(8.64e15);

export const COMMISSIONING_STEPS = [
  'connect',
  'identify',
  'details',
  'credentials',
  'network',
  'verify',
  'record',
] as const;
export const CommissioningStepSchema = z.enum(COMMISSIONING_STEPS);
export type CommissioningStep = z.infer<typeof CommissioningStepSchema>;

export const DeviceLinkSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('serial'),
      path: z.string().min(1).max(500),
      baudRate: z.number().int().min(300).max(4_000_000).default(115_200),
    })
    .strict(),
  z
    .object({
      kind: z.literal('ble'),
      /** the BLE connector whose adapter reaches the device */
      connectorId: id,
      peripheralId: z.string().min(1).max(200),
    })
    .strict(),
]);
export type DeviceLink = z.infer<typeof DeviceLinkSchema>;

const deviceId = z
  .string()
  .min(1)
  .max(64)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'letters, digits, dot, dash and underscore; starts with a letter or digit',
  );

export const DetailsInputSchema = z
  .object({
    deviceId,
    name: z.string().trim().min(1).max(200),
    site: z.string().trim().max(200).default(''),
    profile: z.string().max(200),
    tags: z.array(z.string().min(1).max(64)).max(50).default([]),
  })
  .strict();

export const CredentialsInputSchema = z
  .object({
    kind: z.enum(['x509', 'psk']).default('x509'),
    validityDays: z.number().int().min(1).max(3650).default(825),
  })
  .strict();

export const NetworkInputSchema = z
  .object({
    ssid: z.string().min(1).max(32),
    /**
     * sealed in the engine for the batch; never returned. Left out, the password sealed
     * earlier in this session or batch is used again (batch mode: one click per device);
     * '' is an open network.
     */
    password: z.string().max(63).optional(),
    brokerUrl: z
      .string()
      .max(500)
      .regex(/^(mqtts?|wss?):\/\/[^\s]+$/, 'mqtt://, mqtts://, ws:// or wss:// URL'),
    reportingIntervalS: z.number().int().min(1).max(86_400).default(10),
  })
  .strict();

export const VerifyInputSchema = z
  .object({
    /** how long to wait for the first telemetry and heartbeat */
    timeoutS: z.number().int().min(5).max(600).default(60),
  })
  .strict();

export const RecordInputSchema = z.object({ notes: z.string().max(2000).default('') }).strict();

export const StepInputSchema = z.discriminatedUnion('step', [
  z.object({ step: z.literal('connect'), link: DeviceLinkSchema }).strict(),
  z.object({ step: z.literal('identify') }).strict(),
  z.object({ step: z.literal('details'), input: DetailsInputSchema }).strict(),
  z.object({ step: z.literal('credentials'), input: CredentialsInputSchema }).strict(),
  z.object({ step: z.literal('network'), input: NetworkInputSchema }).strict(),
  z.object({ step: z.literal('verify'), input: VerifyInputSchema }).strict(),
  z.object({ step: z.literal('record'), input: RecordInputSchema }).strict(),
]);
export type StepInput = z.infer<typeof StepInputSchema>;

export const StepStateSchema = z.object({
  state: z.enum(['pending', 'running', 'done', 'failed']),
  at: timestamp.nullable(),
  /** what went wrong, in words a technician can act on */
  error: z.string().nullable(),
  /** the likely cause and what to try, when the engine can tell */
  diagnosis: z.string().nullable(),
});
export type StepState = z.infer<typeof StepStateSchema>;

export const DeviceIdentitySchema = z.object({
  /** what the device says it is (Improv device info, Device Information service, config protocol) */
  firmwareName: z.string().nullable(),
  firmwareVersion: z.string().nullable(),
  hardwareVersion: z.string().nullable(),
  model: z.string().nullable(),
  serialNumber: z.string().nullable(),
  mac: z.string().nullable(),
  /** the device speaks Improv Wi-Fi */
  improv: z.boolean(),
  /**
   * why Improv is marked unusable although the device answered it (a garbled or refused
   * answer), so the network step says that instead of "does not speak Improv"
   */
  improvProblem: z.string().nullable().optional(),
  /** Improv state when identified: authorization-required, authorized, provisioning, provisioned */
  improvState: z.string().nullable(),
  /** the device answers Fieldline's configuration protocol (broker, id, credentials) */
  configProtocol: z.boolean(),
  /** a device id already stored on the device (re-commissioning) */
  existingDeviceId: z.string().nullable(),
});
export type DeviceIdentity = z.infer<typeof DeviceIdentitySchema>;

export const SessionSchema = z.object({
  id,
  batchId: z.string().nullable(),
  technician: z.string(),
  createdAt: timestamp,
  updatedAt: timestamp,
  status: z.enum(['in-progress', 'done', 'abandoned']),
  /** the step the wizard shows: the first one not done */
  step: CommissioningStepSchema,
  steps: z.object({
    connect: StepStateSchema,
    identify: StepStateSchema,
    details: StepStateSchema,
    credentials: StepStateSchema,
    network: StepStateSchema,
    verify: StepStateSchema,
    record: StepStateSchema,
  }),
  link: DeviceLinkSchema.nullable(),
  /** the link is open right now */
  linkOpen: z.boolean(),
  identity: DeviceIdentitySchema.nullable(),
  details: DetailsInputSchema.nullable(),
  credentials: z
    .object({
      kind: z.enum(['x509', 'psk']),
      fingerprint: z.string(),
      serialHex: z.string().nullable(),
      notAfter: timestamp.nullable(),
    })
    .nullable(),
  network: z
    .object({
      ssid: z.string(),
      brokerUrl: z.string(),
      reportingIntervalS: z.number().int(),
      /** configuration read back from the device after writing, key by key */
      verified: z.boolean(),
    })
    .nullable(),
  verify: z
    .object({
      firstTelemetryAt: timestamp.nullable(),
      heartbeatAt: timestamp.nullable(),
      readings: z.number().int().nonnegative(),
    })
    .nullable(),
  /** settings carried over from the previous device of the batch, to prefill the forms */
  carried: z
    .object({
      details: DetailsInputSchema.nullable(),
      credentials: CredentialsInputSchema.nullable(),
      network: z
        .object({
          ssid: z.string(),
          brokerUrl: z.string(),
          reportingIntervalS: z.number().int(),
          hasPassword: z.boolean(),
        })
        .nullable(),
    })
    .nullable(),
  /** progress of the running step, for long steps (key generation, waiting for telemetry) */
  progress: z.object({ message: z.string(), fraction: z.number().min(0).max(1).nullable() }).nullable(),
  notes: z.string(),
});
export type CommissioningSession = z.infer<typeof SessionSchema>;

export const WifiNetworkSchema = z.object({
  ssid: z.string(),
  rssi: z.number(),
  secured: z.boolean(),
});

const sessionRef = z.object({ sessionId: id }).strict();

export const commissioningRequests = {
  /** a new session; in a batch, details (site, profile, tags), credentials kind and network are carried over */
  'commissioning.start': {
    params: z
      .object({ batchId: z.string().max(200).optional() })
      .strict()
      .optional(),
    result: SessionSchema,
  },
  'commissioning.list': {
    params: z
      .object({
        status: z.enum(['in-progress', 'done', 'abandoned']).optional(),
        batchId: z.string().max(200).optional(),
      })
      .strict()
      .optional(),
    result: z.array(SessionSchema),
  },
  'commissioning.get': { params: sessionRef, result: SessionSchema },
  /**
   * Starts one step with its input and answers at once with the step running (steps that
   * wait for a device can take a minute); follow `commissioning.changed` or poll
   * `commissioning.get` for the outcome. A step that fails leaves the session on that step
   * with an error and a diagnosis; running it again retries. Running an earlier step (back)
   * marks the later ones pending again. A step whose earlier steps are not done is refused.
   */
  'commissioning.run': {
    params: z.object({ sessionId: id, run: StepInputSchema }).strict(),
    result: SessionSchema,
  },
  /** Wi-Fi networks the device can see (Improv scan), strongest first */
  'commissioning.wifiScan': { params: sessionRef, result: z.array(WifiNetworkSchema), timeoutMs: 30_000 },
  'commissioning.abandon': { params: sessionRef, result: SessionSchema },
  /**
   * Batch mode: the next device, with the finished session's site, profile, tags, credential
   * kind and network settings, and its device id and name counted up (pump-07 → pump-08).
   * With `run`, every step runs in order on the same link (or `link`) until one fails or
   * the device is recorded: one click per device.
   */
  'commissioning.next': {
    params: z
      .object({ sessionId: id, link: DeviceLinkSchema.optional(), run: z.boolean().default(false) })
      .strict(),
    result: SessionSchema,
  },
  /** issue a new certificate to a commissioned device over a link, then revoke the old one */
  'commissioning.rotateCredentials': {
    params: z.object({ deviceId: id, link: DeviceLinkSchema }).strict(),
    result: z.object({
      deviceId: z.string(),
      newSerialHex: z.string(),
      newFingerprint: z.string(),
      revokedSerialHex: z.string().nullable(),
    }),
    /** a key pair, a write over Bluetooth and a read-back: slow links take a while */
    timeoutMs: 120_000,
  },
  /** a printable HTML report or a CSV, for one session or a whole batch */
  'commissioning.report': {
    params: z
      .object({
        sessionId: id.optional(),
        batchId: z.string().max(200).optional(),
        format: z.enum(['html', 'csv']),
      })
      .strict()
      .refine((p) => (p.sessionId === undefined) !== (p.batchId === undefined), {
        message: 'give a sessionId or a batchId',
      }),
    result: z.object({ filename: z.string(), mime: z.string(), content: z.string() }),
  },
} as const;

export const commissioningStreams = {
  /** a session whenever it changes (step state, progress) */
  'commissioning.changed': { params: sessionRef, data: SessionSchema },
} as const;
