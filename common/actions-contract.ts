/**
 * Edge actions (issue 12): what the rules' `mqtt-publish` and `device-write` actions did.
 * Split from contract.ts by domain; contract.ts merges it in.
 */
import { z } from 'zod';

export const ACTION_OUTCOMES = ['done', 'dry-run', 'refused', 'failed'] as const;
export type ActionOutcomeKind = (typeof ACTION_OUTCOMES)[number];

export const ActionOutcomeSchema = z.object({
  /** the alarm notice that triggered it */
  noticeSeq: z.number().int(),
  /** which of the rule's actions */
  actionIndex: z.number().int().nonnegative(),
  ruleId: z.string(),
  episodeId: z.string().nullable(),
  trigger: z.enum(['active', 'cleared', 'escalated']),
  kind: z.enum(['mqtt-publish', 'device-write', 'webhook']),
  deviceId: z.string().nullable(),
  metric: z.string().nullable(),
  /** where it went: a topic, a Sparkplug DCMD topic, a serial port */
  target: z.string(),
  /** refused: bounds, rate limit, unknown device or datatype; failed: still unreachable when it expired */
  outcome: z.enum(ACTION_OUTCOMES),
  /** plain words: "wrote 42 to boiler-3/setpoint", "refused: 120 is above the bound 100" */
  detail: z.string(),
  attempts: z.number().int().nonnegative(),
  at: z.number().int(),
});
export type ActionOutcome = z.infer<typeof ActionOutcomeSchema>;

export const actionRequests = {
  /** recent action outcomes, newest first */
  'actions.log': {
    params: z
      .object({
        ruleId: z.string().max(64).optional(),
        deviceId: z.string().max(200).optional(),
        limit: z.number().int().min(1).max(1000).default(200),
      })
      .strict()
      .optional(),
    result: z.array(ActionOutcomeSchema),
  },
} as const;
