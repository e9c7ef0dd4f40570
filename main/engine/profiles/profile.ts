/**
 * Device profiles (JSON in resources/profiles) say what a device's metrics mean and
 * which values are physically possible. Validation flags readings against them.
 */
import { z } from 'zod';
import { BleProfileSchema } from '../decoders/gatt-custom';

export const MetricProfileSchema = z
  .object({
    unit: z.string(),
    label: z.string().optional(),
    /** physical limits of the sensor; readings outside are flagged out-of-range */
    min: z.number(),
    max: z.number(),
    /** largest believable change per second; faster jumps are flagged suspect */
    maxRatePerSec: z.number().positive().optional(),
    /** how often the device reports this metric, ms */
    expectedIntervalMs: z.number().int().positive().optional(),
    /** this many identical readings in a row means a stuck sensor: the rest are flagged suspect */
    stuckAfterSamples: z.number().int().min(2).optional(),
  })
  .strict()
  .refine((m) => m.min <= m.max, { message: 'min must not exceed max' });

const uuid = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/, 'a UUID');

/**
 * The hardware this model is, for firmware target compatibility (firmware/firmware-target.ts):
 * MCUboot's image class and vendor UUIDs (the UUID_CID / UUID_VID TLVs imgtool --cid/--vid
 * write), or the ESP32 chip and the ESP-IDF project name its app images carry.
 */
export const FirmwareTargetSchema = z
  .object({
    mcuboot: z.object({ classId: uuid, vendorId: uuid.optional() }).strict().optional(),
    espIdf: z
      .object({
        chip: z.string().regex(/^ESP32(-[A-Z0-9]+)?$/, 'an ESP32 chip name such as "ESP32-C3"'),
        /** esp_app_desc_t.project_name: at most 31 characters */
        project: z.string().min(1).max(31),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((f) => (f.mcuboot === undefined) !== (f.espIdf === undefined), {
    message: 'give either mcuboot or espIdf',
  });

export const DeviceProfileSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    name: z.string(),
    metrics: z.record(z.string().regex(/^[a-zA-Z0-9_.-]+$/), MetricProfileSchema),
    /** vendor GATT characteristics that carry this device's metrics (BLE connector) */
    ble: BleProfileSchema.optional(),
    /** which firmware images fit this model */
    firmware: FirmwareTargetSchema.optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    for (const [i, m] of (p.ble?.characteristics ?? []).entries()) {
      const path = ['ble', 'characteristics', i];
      const metric = Object.hasOwn(p.metrics, m.metric) ? p.metrics[m.metric] : undefined;
      if (!metric) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'metric'],
          message: `no metric "${m.metric}" in metrics`,
        });
      } else if (m.unit !== undefined && m.unit !== metric.unit) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'unit'],
          message: `unit "${m.unit}" differs from metric ${m.metric}'s unit "${metric.unit}"`,
        });
      }
    }
  });

export type MetricProfile = z.infer<typeof MetricProfileSchema>;
export type DeviceProfile = z.infer<typeof DeviceProfileSchema>;

/** One schema complaint: the dotted path to the field ("metrics.t.min") and what is wrong. */
export interface ProfileIssue {
  path: string;
  message: string;
}

export function parseProfile(
  json: unknown,
): { ok: true; profile: DeviceProfile } | { ok: false; issues: ProfileIssue[] } {
  const parsed = DeviceProfileSchema.safeParse(json);
  if (parsed.success) return { ok: true, profile: parsed.data };
  return {
    ok: false,
    issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
  };
}
