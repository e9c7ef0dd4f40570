/**
 * A free-form JSON object in RPC params (a device's desired configuration) with bounds, so
 * a hostile or broken client gets INVALID_PARAMS in plain words instead of reaching
 * SQLite's own JSON limits (1000 levels) or filling the database: 16 levels of nesting
 * and 64 Ki characters of JSON are far beyond any device configuration.
 */
import { z } from 'zod';

export const MAX_JSON_DEPTH = 16;
export const MAX_JSON_CHARS = 64 * 1024;

/** Nesting depth of objects and arrays (a flat object is 1), counted no further than `limit` + 1. */
export function jsonDepth(value: unknown, limit = MAX_JSON_DEPTH): number {
  if (typeof value !== 'object' || value === null) return 0;
  if (limit < 0) return 1;
  let deepest = 0;
  for (const child of Object.values(value)) {
    deepest = Math.max(deepest, jsonDepth(child, limit - 1));
    if (deepest > limit) break;
  }
  return 1 + deepest;
}

export const boundedJsonObject = z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
  if (jsonDepth(value) > MAX_JSON_DEPTH) {
    ctx.addIssue({ code: 'custom', message: `nested more than ${MAX_JSON_DEPTH} levels deep` });
    return;
  }
  // characters, not UTF-8 bytes: common/ uses no platform API, and the bound is generous either way
  if (JSON.stringify(value).length > MAX_JSON_CHARS) {
    ctx.addIssue({ code: 'custom', message: `longer than ${MAX_JSON_CHARS} characters as JSON` });
  }
});
