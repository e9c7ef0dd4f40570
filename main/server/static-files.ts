/**
 * Serves the built renderer. Only files under the root (after following symlinks), only
 * GET/HEAD, with the same security headers the Electron shell sets. The path comes
 * already checked and decoded by request-target.ts.
 */
import { createReadStream, promises as fs, type Stats } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { refuseResponse } from './http-refusal';
import { SECURITY_HEADERS } from './security-headers';

export { CONTENT_SECURITY_POLICY, SECURITY_HEADERS } from './security-headers';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

function isInside(root: string, file: string): boolean {
  const rootWithSep = root.endsWith(path.sep) ? root : root + path.sep;
  return file.startsWith(rootWithSep);
}

/** Maps a checked, decoded URL path inside root, or null when it would escape it. */
export function resolveInside(root: string, decodedPath: string): string | null {
  if (decodedPath.includes('\0') || decodedPath.includes('\\')) return null;
  const relative = decodedPath === '/' ? 'index.html' : decodedPath.replace(/^\/+/, '');
  const resolved = path.resolve(root, relative);
  return isInside(root, resolved) ? resolved : null;
}

/** The file's real path, or null when it is missing or a symlink leads out of the root. */
async function realFileInside(realRoot: string, file: string): Promise<{ file: string; stat: Stats } | null> {
  let real: string;
  try {
    real = await fs.realpath(file);
  } catch {
    return null;
  }
  if (!isInside(realRoot, real)) return null;
  const stat = await fs.stat(real).catch(() => null);
  return stat?.isFile() ? { file: real, stat } : null;
}

export function createStaticHandler(rootDir: string) {
  const root = path.resolve(rootDir);
  // the root itself may be a symlink (a deployment's current -> release-N); only links inside it are followed
  let realRoot: Promise<string> | undefined;
  return async function serveStatic(
    req: IncomingMessage,
    res: ServerResponse,
    urlPath: string,
  ): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      refuseResponse(res, 405, 'Method not allowed', { Allow: 'GET, HEAD' });
      return;
    }
    const candidate = resolveInside(root, urlPath);
    if (!candidate) {
      refuseResponse(res, 400, 'Bad path');
      return;
    }
    realRoot ??= fs.realpath(root).catch(() => root);
    const found = await realFileInside(await realRoot, candidate);
    if (!found) {
      refuseResponse(res, 404, 'Not found');
      return;
    }
    const type = CONTENT_TYPES[path.extname(found.file).toLowerCase()] ?? 'application/octet-stream';
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': type,
      'Content-Length': found.stat.size,
      // hashed asset names can be cached forever; index.html must be revalidated
      'Cache-Control': urlPath.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(found.file)
      .on('error', () => res.destroy())
      .pipe(res);
  };
}
