/**
 * An MQTT subscription's payload mapping: which JSON fields become which metrics (with
 * unit, scale and offset), where the device time and the device id are. Paths are keys
 * joined with dots, array elements by index: `SI7021.Temperature`, `ENERGY.Voltage.0`.
 * The engine's connector config and the connector form both check it with this schema.
 */
import { z } from 'zod';

/** the engine's metric names (main/engine/decoders/text-values.ts METRIC_PATTERN) */
const METRIC_NAME = /^[A-Za-z0-9_.-]{1,200}$/;

/** keys joined with dots; a key itself may hold anything but a dot */
const PATH = /^[^.]{1,100}(?:\.[^.]{1,100}){0,15}$/;
const PathSchema = z
  .string()
  .max(400)
  .regex(PATH, 'a path is keys joined with dots, e.g. SI7021.Temperature');

export const FieldMappingSchema = z
  .object({
    path: PathSchema,
    metric: z.string().regex(METRIC_NAME, 'a metric name is letters, digits, _ . or - (at most 200)'),
    unit: z.string().max(32).optional(),
    /** reading = value × scale + offset */
    scale: z.number().default(1),
    offset: z.number().default(0),
  })
  .strict();

export const PayloadMappingSchema = z
  .object({
    fields: z.array(FieldMappingSchema).max(256).default([]),
    /** where the device time is; default: a top-level ts, time, timestamp, Epoch or Time */
    timeField: PathSchema.optional(),
    /** ignore any time in the payload: readings take the arrival time */
    arrivalTime: z.boolean().default(false),
    /** where the device id is, for gateways that publish many devices on one topic */
    deviceIdField: PathSchema.optional(),
    /** fields the mapping does not name: dropped (default) or kept as without a mapping */
    unmapped: z.enum(['drop', 'keep']).default('drop'),
  })
  .strict()
  .refine((m) => !(m.arrivalTime && m.timeField !== undefined), {
    message: 'give a time field or use the arrival time, not both',
  })
  .superRefine((m, ctx) => {
    const seen = new Set<string>();
    for (const f of m.fields) {
      if (seen.has(f.metric))
        ctx.addIssue({ code: 'custom', message: `metric "${f.metric}" is mapped twice` });
      seen.add(f.metric);
    }
  });

export type PayloadMapping = z.output<typeof PayloadMappingSchema>;
export type PayloadMappingInput = z.input<typeof PayloadMappingSchema>;
