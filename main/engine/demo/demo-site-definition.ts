/**
 * The demo site (resources/demo-site.json): which simulated devices exist, over which
 * simulated link, and how their signals behave. Checked at load like any other input.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { TransportSchema } from '../../../common/contract';

export const SignalSchema = z
  .object({
    base: z.number(),
    amplitude: z.number().nonnegative().default(0),
    periodSec: z.number().positive().default(60),
    noise: z.number().nonnegative().default(0),
    driftPerHour: z.number().default(0),
    /** a counter (energy) rises steadily instead of oscillating */
    ratePerSec: z.number().nonnegative().optional(),
  })
  .strict();
export type Signal = z.infer<typeof SignalSchema>;

export const SimulatedDeviceSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    name: z.string().min(1),
    kind: z.string().min(1),
    profile: z.string().min(1),
    connector: z.string().min(1),
    rateHz: z.number().min(0.1).max(100),
    metrics: z.record(z.string().regex(/^[a-zA-Z0-9_.-]+$/), SignalSchema),
  })
  .strict();
export type SimulatedDeviceDefinition = z.infer<typeof SimulatedDeviceSchema>;

export const DemoSiteSchema = z
  .object({
    site: z.string().regex(/^[a-z0-9-]+$/),
    name: z.string(),
    anomalies: z
      .object({
        duplicate: z.number().min(0).max(1),
        outOfOrder: z.number().min(0).max(1),
        impossible: z.number().min(0).max(1),
      })
      .strict(),
    connectors: z.array(
      z
        .object({
          id: z.string().min(1),
          kind: TransportSchema,
          label: z.string(),
          topicTemplate: z.string().optional(),
        })
        .strict(),
    ),
    devices: z.array(SimulatedDeviceSchema),
  })
  .strict()
  .superRefine((site, ctx) => {
    const connectorIds = new Set(site.connectors.map((c) => c.id));
    const seen = new Set<string>();
    for (const [i, d] of site.devices.entries()) {
      if (!connectorIds.has(d.connector)) {
        ctx.addIssue({
          code: 'custom',
          path: ['devices', i, 'connector'],
          message: `no connector "${d.connector}"`,
        });
      }
      if (seen.has(d.id))
        ctx.addIssue({ code: 'custom', path: ['devices', i, 'id'], message: `duplicate id ${d.id}` });
      seen.add(d.id);
    }
  });
export type DemoSite = z.infer<typeof DemoSiteSchema>;

export function loadDemoSite(file: string): DemoSite {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the demo site ${file}: ${(error as Error).message}`);
  }
  const parsed = DemoSiteSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`the demo site ${file} is invalid: ${issues}`);
  }
  return parsed.data;
}
