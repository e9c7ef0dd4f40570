/**
 * The cloud's firmware catalog (the down-synced `firmware` document: a list of
 * `{ sha256, version, url?, notes? }`, or an object holding it as `firmwareCatalog`) read
 * defensively and linked to the library: a release is "in the library" when its sha256 is
 * the SHA-256 of a library file or an MCUboot image hash. Fields of the wrong type are
 * read as absent, never trusted.
 */
import type { FirmwareCatalogEntry } from '../../../common/firmware-contract';

const MAX_ENTRIES = 10_000;
const SHA256 = /^[0-9a-fA-F]{64}$/;

function text(value: unknown, max = 2000): string | null {
  return typeof value === 'string' && value.length > 0 ? value.slice(0, max) : null;
}

export function linkCatalog(doc: unknown, libraryHashes: ReadonlySet<string>): FirmwareCatalogEntry[] {
  const list = Array.isArray(doc)
    ? doc
    : doc && typeof doc === 'object' && Array.isArray((doc as { firmwareCatalog?: unknown }).firmwareCatalog)
      ? (doc as { firmwareCatalog: unknown[] }).firmwareCatalog
      : [];
  return list.slice(0, MAX_ENTRIES).flatMap((raw): FirmwareCatalogEntry[] => {
    if (!raw || typeof raw !== 'object') return [];
    const entry = raw as Record<string, unknown>;
    const sha =
      typeof entry.sha256 === 'string' && SHA256.test(entry.sha256) ? entry.sha256.toLowerCase() : null;
    return [
      {
        sha256: sha,
        version: text(entry.version, 200),
        url: text(entry.url),
        notes: text(entry.notes),
        inLibrary: sha !== null && libraryHashes.has(sha),
      },
    ];
  });
}
