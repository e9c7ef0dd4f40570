/**
 * Engine diagnostics: what the engine process holds in memory, for the soak benchmark and
 * for a support question about a host that has run for months. Split from contract.ts by
 * domain; contract.ts merges every domain into one contract.
 */
import { z } from 'zod';

const bytes = z.number().nonnegative();

export const EngineMemorySchema = z.object({
  /** true when a full garbage collection ran just before measuring (engine started with --expose-gc) */
  collected: z.boolean(),
  rssBytes: bytes,
  heapUsedBytes: bytes,
  heapTotalBytes: bytes,
  /** memory of C++ objects bound to JavaScript ones, Buffers included */
  externalBytes: bytes,
  arrayBuffersBytes: bytes,
  sqlite: z.object({
    /** the connection's page cache limit (PRAGMA cache_size, in bytes) */
    cacheLimitBytes: bytes,
    /**
     * what the page cache can hold at most right now: it never holds more pages than the
     * database file and its WAL have, nor more than its limit
     */
    cacheBoundBytes: bytes,
    pageSize: z.number().int().positive(),
    databaseFileBytes: bytes,
    walFileBytes: bytes,
  }),
});
export type EngineMemory = z.infer<typeof EngineMemorySchema>;

export const diagnosticsRequests = {
  'engine.memory': {
    params: z.object({ collect: z.boolean().optional() }).strict().optional(),
    result: EngineMemorySchema,
  },
} as const;
