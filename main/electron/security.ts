/**
 * Electron's security checklist, as functions the main process applies at startup
 * (importing this file does nothing by itself):
 *
 * - no navigation away from the app, no redirects out of it, no new windows (https links
 *   go to the system browser), no <webview>;
 * - every permission request and check denied (the engine talks to serial, BLE and MQTT
 *   from Node; the page needs none of the web's device or media APIs);
 * - the same Content-Security-Policy the headless host sends, on every response;
 * - all of it for every webContents ever created, not only the main window's.
 */
import type { App, Session, Shell, WebContents } from 'electron';
import type { Logger } from '../engine/log';
import { CONTENT_SECURITY_POLICY } from '../server/static-files';

export type IsAppUrl = (url: string) => boolean;

export interface SecurityContext {
  isAppUrl: IsAppUrl;
  shell: Pick<Shell, 'openExternal'>;
  log: Logger;
}

/** Only https links leave the app, and only to the system browser. */
export function isSafeExternalUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (
      parsed.protocol === 'https:' &&
      parsed.hostname !== '' &&
      parsed.username === '' &&
      parsed.password === ''
    );
  } catch {
    return false;
  }
}

/** Navigation, redirects, new windows and webviews for one webContents. */
export function hardenWebContents(contents: WebContents, context: SecurityContext): void {
  const { isAppUrl, shell, log } = context;

  contents.on('will-navigate', (event, legacyUrl) => {
    const url = event.url ?? legacyUrl;
    if (isAppUrl(url)) return;
    event.preventDefault();
    log.warn('blocked navigation away from the app', { url });
  });
  // iframes too (the app has none; CSP frame-ancestors/default-src keep it that way)
  contents.on('will-frame-navigate', (event) => {
    if (event.isMainFrame || isAppUrl(event.url)) return;
    event.preventDefault();
    log.warn('blocked a frame navigation', { url: event.url });
  });
  contents.on('will-redirect', (event, legacyUrl) => {
    const url = event.url ?? legacyUrl;
    if (isAppUrl(url)) return;
    event.preventDefault();
    log.warn('blocked a redirect away from the app', { url });
  });
  contents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalUrl(url)) {
      shell.openExternal(url).catch((error: unknown) => {
        log.warn('could not open a link in the browser', { url, error: String(error) });
      });
    } else {
      log.warn('blocked window.open', { url });
    }
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log.warn('blocked a <webview>');
  });
}

/** Every permission the web platform can ask for: no. */
export function denyAllPermissions(session: Session, log: Logger): void {
  session.setPermissionRequestHandler((contents, permission, callback) => {
    log.warn('denied a permission request', { permission, url: contents?.getURL() });
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  // Web Serial / HID / USB / Bluetooth pickers: cancel (the engine owns the devices)
  session.on('select-serial-port', (event, _ports, _contents, callback) => {
    event.preventDefault();
    callback('');
  });
  session.on('select-hid-device', (event, _details, callback) => {
    event.preventDefault();
    callback();
  });
  session.on('select-usb-device', (event, _details, callback) => {
    event.preventDefault();
    callback();
  });
}

/**
 * The headless host's policy. The electron-vite dev server (never a packaged app) needs
 * inline scripts for React Fast Refresh's preamble, so development adds 'unsafe-inline'
 * to script-src and nothing else.
 */
export function contentSecurityPolicy(options: { devServer: boolean }): string {
  if (!options.devServer) return CONTENT_SECURITY_POLICY;
  return CONTENT_SECURITY_POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'");
}

/** Response headers with our CSP in place of any the response brought. */
export function withContentSecurityPolicy(
  headers: Record<string, string | string[]> | undefined,
  policy: string,
): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const lower = name.toLowerCase();
    if (lower === 'content-security-policy' || lower === 'content-security-policy-report-only') continue;
    result[name] = Array.isArray(value) ? value : [value];
  }
  result['Content-Security-Policy'] = [policy];
  return result;
}

export function addContentSecurityPolicy(session: Session, policy: string): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withContentSecurityPolicy(details.responseHeaders, policy) });
  });
}

export interface ApplySecurityOptions extends SecurityContext {
  app: Pick<App, 'on'>;
  session: Session;
  devServer: boolean;
}

/** Everything above, for the default session and every webContents from now on. */
export function applySecurity(options: ApplySecurityOptions): void {
  const { app, session, log } = options;
  denyAllPermissions(session, log);
  addContentSecurityPolicy(session, contentSecurityPolicy({ devServer: options.devServer }));
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, options));
}
