/**
 * Device profiles: the shipped built-ins (read-only) and the ones people make, edit,
 * import and export. Split from contract.ts by domain; contract.ts merges it in.
 */
import { z } from 'zod';

const profileId = z.string().min(1).max(200);
const empty = z.object({}).strict().optional();

export const ProfileSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  /** shipped with Fieldline: read-only, duplicate it to change it */
  builtIn: z.boolean(),
  metrics: z.array(z.object({ name: z.string(), unit: z.string() })),
  /** how many devices have this profile */
  usedBy: z.number().int().nonnegative(),
});
export type ProfileSummary = z.infer<typeof ProfileSummarySchema>;

export const ProfileDetailSchema = z.object({
  id: z.string(),
  builtIn: z.boolean(),
  /** the profile as written (resources/profiles/*.json format), without the schema's defaults filled in */
  definition: z.record(z.string(), z.unknown()),
  /** ids of the devices that have this profile */
  usedBy: z.array(z.string()),
});
export type ProfileDetail = z.infer<typeof ProfileDetailSchema>;

/**
 * What a refused profile's error carries in `details`: one entry per field, `path` dotted
 * from the profile's root ("metrics.temperature.max"); imports prefix the item ("1.name").
 */
export const ProfileIssueSchema = z.object({ path: z.string(), message: z.string() });
export type ProfileIssue = z.infer<typeof ProfileIssueSchema>;

export const profilesRequests = {
  /** every profile this engine knows, built-ins and user profiles, by name */
  'profiles.list': { params: empty, result: z.array(ProfileSummarySchema) },
  'profiles.get': { params: z.object({ id: profileId }).strict(), result: ProfileDetailSchema },
  /**
   * create: a new user profile (its id must be free); otherwise replaces the user profile
   * with the definition's id. Devices with it see the change at once. Refused with
   * INVALID_PARAMS and details: ProfileIssue[] when the definition is invalid.
   */
  'profiles.save': {
    params: z.object({ definition: z.unknown(), create: z.boolean() }).strict(),
    result: ProfileDetailSchema,
  },
  /** refused for built-ins and while a device has the profile (the error lists them) */
  'profiles.delete': { params: z.object({ id: profileId }).strict(), result: z.object({ ok: z.boolean() }) },
  /**
   * a JSON file holding one profile or an array of them, all or nothing; replace: user
   * profiles with the same id are overwritten (built-ins never are)
   */
  'profiles.import': {
    params: z.object({ text: z.string().max(4 * 1024 * 1024), replace: z.boolean().default(false) }).strict(),
    result: z.object({ imported: z.array(z.string()) }),
  },
  /** one profile as an object, several as an array: the resources/profiles/*.json format */
  'profiles.export': {
    params: z.object({ ids: z.array(profileId).min(1).max(1000) }).strict(),
    result: z.object({ filename: z.string(), mime: z.string(), content: z.string() }),
  },
} as const;
