/**
 * The headers every answer of the headless host carries, the same the Electron shell sets,
 * so the browser build is no weaker.
 */

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // uPlot positions its cursor and legend with inline styles
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  // 'self' matches ws:/wss: of the page's own host and port (CSP Level 3 §6.7.2.9, in
  // Chromium since 2019); a bare ws: would let injected script reach any host
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
