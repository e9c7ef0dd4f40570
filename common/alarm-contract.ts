/**
 * Alarms and edge rules (issue 12): rules, the alarm instances they yield (one per rule ×
 * series), ISA-18.2 states, episodes, backtests and alarm KPIs. Split from contract.ts by
 * domain; contract.ts merges every domain into one contract. Notification channels, routing
 * and silences are in notify-contract.ts.
 */
import { z } from 'zod';

const id = z.string().min(1).max(200);
const timestamp = z.number().int().min(0).max(8.64e15);
const duration = z
  .number()
  .int()
  .min(0)
  .max(30 * 86_400_000);
/** rule ids appear in dedup keys, MQTT topics and file names: no dots, slashes or wildcards */
export const RuleIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, - and _ only');

/** ordered low to high; a ladder steps through them both ways */
export const SEVERITIES = ['info', 'warning', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * ISA-18.2 alarm states (§6 state diagram), plus the two a rule engine needs: `pending` (the
 * condition holds but the on-delay has not elapsed; not yet an alarm) and `nodata`/`error`
 * are conditions, not states: stale and bad quality are rule kinds of their own.
 */
export const ALARM_STATES = [
  'normal',
  'pending',
  'active_unack',
  'active_ack',
  'rtn_unack',
  'shelved',
  'suppressed',
  'out_of_service',
] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

/** a limit with the deadband that clears it: alarm above 85, clear below 80 = { value: 85, deadband: 5 } */
const LimitSchema = z
  .object({
    value: z.number().finite(),
    /** how far back past the limit the value must come to clear */
    deadband: z.number().finite().min(0).default(0),
    /** deadband as a percentage of the limit value instead of absolute units */
    deadbandPercent: z.boolean().default(false),
  })
  .strict();

/** one rung of a severity ladder: a higher rung takes over while its own limit is crossed */
const LevelSchema = z
  .object({
    severity: z.enum(SEVERITIES),
    above: LimitSchema.optional(),
    below: LimitSchema.optional(),
  })
  .strict()
  .refine((l) => l.above || l.below, 'a level needs a limit above or below');

/** value conditions: evaluated on each reading of the targeted metric */
export const ConditionSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('threshold'),
      /** one or more rungs; the highest crossed rung is the alarm's severity */
      levels: z.array(LevelSchema).min(1).max(4),
    })
    .strict(),
  z
    .object({
      /** change over the window, in the metric's unit per minute */
      kind: z.literal('rate'),
      windowMs: duration.min(1000),
      levels: z.array(LevelSchema).min(1).max(4),
    })
    .strict(),
  z
    .object({
      /** |value − reference| against the levels; reference: a setpoint or another series */
      kind: z.literal('deviation'),
      reference: z.union([
        z.object({ setpoint: z.number().finite() }).strict(),
        z.object({ deviceId: id, metric: id }).strict(),
      ]),
      levels: z.array(LevelSchema).min(1).max(4),
    })
    .strict(),
  z
    .object({
      /** a windowed aggregate; long windows read the 1 m / 1 h / 1 d rollups */
      kind: z.literal('aggregate'),
      fn: z.enum(['avg', 'min', 'max', 'sum', 'count']),
      windowMs: duration.min(1000),
      levels: z.array(LevelSchema).min(1).max(4),
    })
    .strict(),
  z
    .object({
      /** no reading of the metric for this long (device time, judged against the watermark) */
      kind: z.literal('stale'),
      afterMs: duration.min(1000),
      severity: z.enum(SEVERITIES).default('warning'),
    })
    .strict(),
  z
    .object({
      /** a stuck sensor: the value moved less than `tolerance` over the window */
      kind: z.literal('flatline'),
      windowMs: duration.min(1000),
      tolerance: z.number().finite().min(0).default(0),
      severity: z.enum(SEVERITIES).default('warning'),
    })
    .strict(),
  z
    .object({
      /** readings flagged by validation (out of range, suspect, invalid) */
      kind: z.literal('quality'),
      severity: z.enum(SEVERITIES).default('warning'),
    })
    .strict(),
  z
    .object({
      /** the device (or the gateway it reports through) is offline; suppresses its value alarms */
      kind: z.literal('offline'),
      severity: z.enum(SEVERITIES).default('high'),
    })
    .strict(),
  z
    .object({
      /**
       * a CEL expression (cel-js, never eval) over `value`, `prev`, `ts`, `device`, `metrics`
       * (the device's latest values by name); true = condition holds. Type-checked against
       * the device's profile when saved; size and cost limited.
       */
      kind: z.literal('expression'),
      expression: z.string().min(1).max(2000),
      severity: z.enum(SEVERITIES).default('warning'),
    })
    .strict(),
]);
export type Condition = z.infer<typeof ConditionSchema>;

/** which devices and series a rule applies to; every given field must match */
export const RuleTargetSchema = z
  .object({
    deviceIds: z.array(id).max(10_000).optional(),
    site: z.string().max(200).optional(),
    profile: z.string().max(200).optional(),
    tag: z.string().max(64).optional(),
    /** the metric the condition reads; absent only for `offline` */
    metric: id.optional(),
  })
  .strict();

/** declarative edge actions (never user code), run on the transitions named in `on` */
export const ActionSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('mqtt-publish'),
      on: z.array(z.enum(['active', 'cleared', 'escalated'])).min(1),
      connectorId: id,
      topic: z.string().min(1).max(1024),
      /** `{{rule}}`, `{{device}}`, `{{metric}}`, `{{value}}`, `{{severity}}`, `{{state}}` are filled in */
      payload: z.string().max(16_384),
      qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(1),
      retain: z.boolean().default(false),
      dryRun: z.boolean().default(false),
    })
    .strict(),
  z
    .object({
      /** a setpoint or command to a device: Sparkplug DCMD, MQTT or a serial line */
      kind: z.literal('device-write'),
      on: z.array(z.enum(['active', 'cleared', 'escalated'])).min(1),
      deviceId: id,
      metric: id,
      value: z.union([z.number().finite(), z.boolean(), z.string().max(256)]),
      /** refused outside these bounds, whatever the rule computes */
      bounds: z.object({ min: z.number().finite(), max: z.number().finite() }).strict().optional(),
      /** at most this many writes per minute to this device and metric */
      ratePerMinute: z.number().int().min(1).max(600).default(6),
      dryRun: z.boolean().default(false),
    })
    .strict(),
  z
    .object({
      /** a derived metric (a recording rule) written back into ingest with its lineage */
      kind: z.literal('derive'),
      /** CEL over the same variables as an expression condition; its number is the new reading */
      expression: z.string().min(1).max(2000),
      metric: id,
      unit: z.string().max(32).default(''),
    })
    .strict(),
  z
    .object({
      kind: z.literal('webhook'),
      on: z.array(z.enum(['active', 'cleared', 'escalated'])).min(1),
      /** a channel of kind `webhook` (notify-contract): URL and signing secret live there */
      channelId: id,
      dryRun: z.boolean().default(false),
    })
    .strict(),
]);
export type Action = z.infer<typeof ActionSchema>;

export const RuleSchema = z
  .object({
    id: RuleIdSchema,
    name: z.string().trim().min(1).max(200),
    description: z.string().max(2000).default(''),
    enabled: z.boolean().default(true),
    /** shadow: evaluate and journal, never notify or act */
    mode: z.enum(['live', 'shadow']).default('live'),
    target: RuleTargetSchema,
    condition: ConditionSchema,
    /** the condition must hold this long before the alarm is raised */
    onDelayMs: duration.default(0),
    /** and be gone this long before it returns to normal */
    offDelayMs: duration.default(0),
    /** raise only when n of the last m samples hold the condition */
    confirm: z
      .object({ n: z.number().int().min(1).max(100), m: z.number().int().min(1).max(100) })
      .strict()
      .refine((c) => c.n <= c.m, 'n must not exceed m')
      .optional(),
    /** stays active until acknowledged even if the condition clears */
    latching: z.boolean().default(false),
    /** readings older than the watermark by more than this are evaluated and marked late */
    lateToleranceMs: duration.default(60_000),
    /** routing labels for notify policies (team, area, ...) */
    labels: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,31}$/), z.string().max(200)).default({}),
    actions: z.array(ActionSchema).max(10).default([]),
  })
  .strict();
export type Rule = z.output<typeof RuleSchema>;
export type RuleInput = z.input<typeof RuleSchema>;

export const RuleSummarySchema = z.object({
  rule: RuleSchema,
  /** incremented on every save; instances journal the version they ran */
  version: z.number().int().min(1),
  /** SHA-256 of the canonical rule JSON */
  hash: z.string(),
  builtIn: z.boolean(),
  instances: z.number().int().nonnegative(),
  active: z.number().int().nonnegative(),
  updatedAt: timestamp,
});
export type RuleSummary = z.infer<typeof RuleSummarySchema>;

export const AlarmInstanceSchema = z.object({
  /** `${ruleId}|${deviceId}|${metric}`: one instance per rule × series */
  key: z.string(),
  ruleId: z.string(),
  ruleName: z.string(),
  deviceId: z.string(),
  metric: z.string().nullable(),
  state: z.enum(ALARM_STATES),
  /** where it returns when shelving, suppression or out-of-service ends */
  underlying: z.enum(ALARM_STATES).nullable(),
  severity: z.enum(SEVERITIES).nullable(),
  /** the current or last episode; null before the first activation */
  episodeId: z.string().nullable(),
  /** device time the current episode started */
  since: timestamp.nullable(),
  value: z.number().nullable(),
  late: z.boolean(),
  shadow: z.boolean(),
  shelvedUntil: timestamp.nullable(),
  shelveReason: z.string().nullable(),
  ackedBy: z.string().nullable(),
  comments: z.array(z.object({ at: timestamp, by: z.string(), text: z.string() })),
  updatedAt: timestamp,
});
export type AlarmInstance = z.infer<typeof AlarmInstanceSchema>;

export const AlarmTransitionSchema = z.object({
  seq: z.number().int(),
  key: z.string(),
  ruleId: z.string(),
  ruleVersion: z.number().int(),
  deviceId: z.string(),
  metric: z.string().nullable(),
  episodeId: z.string().nullable(),
  from: z.enum(ALARM_STATES),
  to: z.enum(ALARM_STATES),
  severity: z.enum(SEVERITIES).nullable(),
  value: z.number().nullable(),
  /** device time of the reading (or timer) that caused it */
  deviceTime: timestamp,
  /** engine time it was journaled */
  at: timestamp,
  late: z.boolean(),
  shadow: z.boolean(),
  /** ack, shelve, comment: who; evaluation: null */
  actor: z.string().nullable(),
  reason: z.string().nullable(),
});
export type AlarmTransition = z.infer<typeof AlarmTransitionSchema>;

export const BacktestEpisodeSchema = z.object({
  deviceId: z.string(),
  metric: z.string().nullable(),
  start: timestamp,
  /** null: still active at the end of the range */
  end: timestamp.nullable(),
  severity: z.enum(SEVERITIES),
  /** an episode that began within 60 s of the previous one's end for the same series */
  chattering: z.boolean(),
});

export const BacktestResultSchema = z.object({
  episodes: z.array(BacktestEpisodeSchema),
  /** notifications the rule would have sent (raise + clear per episode, before routing) */
  notifications: z.number().int().nonnegative(),
  chattering: z.number().int().nonnegative(),
  readings: z.number().int().nonnegative(),
  /** raw readings where stored, rollups (1 m / 1 h / 1 d) beyond the raw horizon */
  resolution: z.enum(['raw', '1m', '1h', '1d']),
  elapsedMs: z.number().nonnegative(),
});
export type BacktestResult = z.infer<typeof BacktestResultSchema>;

export const AlarmKpisSchema = z.object({
  from: timestamp,
  to: timestamp,
  /** ISA-18.2 / EEMUA 191: average alarms per 10 minutes (target ≤ 1) */
  perTenMinutes: z.number(),
  peakPerTenMinutes: z.number(),
  /** share of the range in flood (> 10 alarms in 10 minutes) */
  floodPercent: z.number(),
  topBadActors: z.array(z.object({ ruleId: z.string(), deviceId: z.string(), count: z.number().int() })),
  chattering: z.number().int().nonnegative(),
  /** active for more than 24 h */
  stale: z.number().int().nonnegative(),
  shelved: z.number().int().nonnegative(),
  outOfService: z.number().int().nonnegative(),
  bySeverity: z.record(z.string(), z.number().int().nonnegative()),
  /** median and 90th percentile time to acknowledge, ms; null without acks */
  ackP50Ms: z.number().nullable(),
  ackP90Ms: z.number().nullable(),
});
export type AlarmKpis = z.infer<typeof AlarmKpisSchema>;

const keys = z.array(z.string().min(1).max(600)).min(1).max(1000);
const comment = z.string().trim().max(1000);
const range = z.object({ from: timestamp, to: timestamp }).strict();

export const alarmRequests = {
  'alarms.rules.list': { params: z.object({}).strict().optional(), result: z.array(RuleSummarySchema) },
  /** validates, type-checks expressions against the targeted profiles, bumps the version */
  'alarms.rules.save': { params: z.object({ rule: RuleSchema }).strict(), result: RuleSummarySchema },
  'alarms.rules.delete': { params: z.object({ ruleId: RuleIdSchema }).strict(), result: z.object({}) },
  /** unacknowledged first, then by severity and time */
  'alarms.list': {
    params: z
      .object({
        deviceId: id.optional(),
        ruleId: RuleIdSchema.optional(),
        /** default: every instance not in `normal` */
        includeNormal: z.boolean().default(false),
      })
      .strict()
      .optional(),
    result: z.array(AlarmInstanceSchema),
  },
  'alarms.ack': { params: z.object({ keys, comment: comment.optional() }).strict(), result: z.object({}) },
  /** always with an expiry and a reason */
  'alarms.shelve': {
    params: z.object({ keys, until: timestamp, reason: comment.min(1) }).strict(),
    result: z.object({}),
  },
  'alarms.unshelve': { params: z.object({ keys }).strict(), result: z.object({}) },
  'alarms.comment': { params: z.object({ keys, text: comment.min(1) }).strict(), result: z.object({}) },
  'alarms.outOfService': {
    params: z.object({ keys, outOfService: z.boolean(), reason: comment.min(1) }).strict(),
    result: z.object({}),
  },
  /** journaled transitions, newest first; episodes drawn on charts come from here */
  'alarms.history': {
    params: z
      .object({
        deviceId: id.optional(),
        episodeId: z.string().max(200).optional(),
        ...range.partial().shape,
        limit: z.number().int().min(1).max(10_000).default(500),
      })
      .strict(),
    result: z.array(AlarmTransitionSchema),
  },
} as const;

/** backtests and KPIs: the analysis side, over stored history and the journal */
export const alarmAnalysisRequests = {
  /** the rule (saved or not) through the real state machine over stored history */
  'alarms.rules.backtest': {
    params: z.object({ rule: RuleSchema, ...range.shape }).strict(),
    result: BacktestResultSchema,
  },
  'alarms.kpis': { params: range, result: AlarmKpisSchema },
} as const;

export const alarmStreams = {
  /** instances whose state changed, at most every 250 ms; the first message is every non-normal one */
  'alarms.changed': { params: z.object({}).strict().optional(), data: z.array(AlarmInstanceSchema) },
} as const;
