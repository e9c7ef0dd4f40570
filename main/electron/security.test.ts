import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';

// security.ts only needs electron's types; anything it reached for at runtime would throw
vi.mock('electron', () => ({}));

import type { App, Session, WebContents } from 'electron';
import { createLogger } from '../engine/log';
import { CONTENT_SECURITY_POLICY } from '../server/static-files';
import {
  addContentSecurityPolicy,
  applySecurity,
  contentSecurityPolicy,
  denyAllPermissions,
  hardenWebContents,
  isSafeExternalUrl,
  withContentSecurityPolicy,
} from './security';

const log = createLogger({ level: 'silent' });
const APP = 'file:///opt/fieldline/out/renderer/index.html';
const isAppUrl = (url: string) => url.split('#')[0] === APP;

class FakeWebContents extends EventEmitter {
  openHandler: ((details: { url: string }) => { action: string }) | undefined;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
    this.openHandler = handler;
  }
}

function navEvent(url: string, extra: Record<string, unknown> = {}) {
  return { url, preventDefault: vi.fn(), ...extra };
}

function hardened() {
  const contents = new FakeWebContents();
  const shell = { openExternal: vi.fn(async (_url: string) => {}) };
  hardenWebContents(contents as unknown as WebContents, { isAppUrl, shell, log });
  return { contents, shell };
}

describe('hardenWebContents', () => {
  it('prevents navigation away from the app and lets the app itself through', () => {
    const { contents } = hardened();
    const away = navEvent('https://evil.example/');
    contents.emit('will-navigate', away, away.url);
    expect(away.preventDefault).toHaveBeenCalledTimes(1);

    const file = navEvent('file:///etc/passwd');
    contents.emit('will-navigate', file, file.url);
    expect(file.preventDefault).toHaveBeenCalledTimes(1);

    const home = navEvent(`${APP}#/alerts`);
    contents.emit('will-navigate', home, home.url);
    expect(home.preventDefault).not.toHaveBeenCalled();
  });

  it('prevents redirects and subframe navigations out of the app', () => {
    const { contents } = hardened();
    const redirect = navEvent('https://evil.example/');
    contents.emit('will-redirect', redirect, redirect.url);
    expect(redirect.preventDefault).toHaveBeenCalledTimes(1);

    const frame = navEvent('https://evil.example/', { isMainFrame: false });
    contents.emit('will-frame-navigate', frame);
    expect(frame.preventDefault).toHaveBeenCalledTimes(1);
  });

  it('denies every window.open; https links go to the system browser, nothing else does', () => {
    const { contents, shell } = hardened();
    const open = (url: string) => contents.openHandler?.({ url });

    expect(open('https://docs.example/manual')).toEqual({ action: 'deny' });
    expect(shell.openExternal).toHaveBeenCalledWith('https://docs.example/manual');

    for (const url of [
      'http://docs.example/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      APP,
      'smb://host/x',
    ]) {
      expect(open(url)).toEqual({ action: 'deny' });
    }
    expect(shell.openExternal).toHaveBeenCalledTimes(1);
  });

  it('refuses to attach a <webview>', () => {
    const { contents } = hardened();
    const event = { preventDefault: vi.fn() };
    contents.emit('will-attach-webview', event, {}, { src: 'https://evil.example/' });
    expect(event.preventDefault).toHaveBeenCalledTimes(1);
  });
});

describe('isSafeExternalUrl', () => {
  it('is https with a host and no credentials only', () => {
    expect(isSafeExternalUrl('https://example.com/a?b#c')).toBe(true);
    expect(isSafeExternalUrl('https://user:pw@example.com/')).toBe(false);
    expect(isSafeExternalUrl('http://example.com/')).toBe(false);
    expect(isSafeExternalUrl('file:///C:/Windows/System32/calc.exe')).toBe(false);
    expect(isSafeExternalUrl('ms-msdt:/id PCWDiagnostic')).toBe(false);
    expect(isSafeExternalUrl('nonsense')).toBe(false);
  });
});

class FakeSession extends EventEmitter {
  requestHandler:
    | ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void)
    | undefined;
  checkHandler: ((...args: unknown[]) => boolean) | undefined;
  deviceHandler: ((...args: unknown[]) => boolean) | undefined;
  headersListener:
    | ((
        details: { responseHeaders?: Record<string, string[]> },
        callback: (response: { responseHeaders?: Record<string, string[]> }) => void,
      ) => void)
    | undefined;
  setPermissionRequestHandler(handler: FakeSession['requestHandler']) {
    this.requestHandler = handler;
  }
  setPermissionCheckHandler(handler: FakeSession['checkHandler']) {
    this.checkHandler = handler;
  }
  setDevicePermissionHandler(handler: FakeSession['deviceHandler']) {
    this.deviceHandler = handler;
  }
  webRequest = {
    onHeadersReceived: (listener: FakeSession['headersListener']) => {
      this.headersListener = listener;
    },
  };
}

describe('session hardening', () => {
  it('denies every permission request and check', () => {
    const session = new FakeSession();
    denyAllPermissions(session as unknown as Session, log);
    for (const permission of ['media', 'geolocation', 'notifications', 'serial', 'hid', 'clipboard-read']) {
      const callback = vi.fn();
      session.requestHandler?.({ getURL: () => APP }, permission, callback);
      expect(callback).toHaveBeenCalledWith(false);
    }
    expect(session.checkHandler?.(null, 'media', APP, {})).toBe(false);
    expect(session.deviceHandler?.({ deviceType: 'usb' })).toBe(false);

    const pick = vi.fn();
    const event = { preventDefault: vi.fn() };
    session.emit('select-serial-port', event, [{ portId: '1' }], {}, pick);
    expect(event.preventDefault).toHaveBeenCalled();
    expect(pick).toHaveBeenCalledWith('');
  });

  it('adds the CSP header to every response, replacing one the response brought', () => {
    const session = new FakeSession();
    addContentSecurityPolicy(session as unknown as Session, CONTENT_SECURITY_POLICY);
    const callback = vi.fn();
    session.headersListener?.(
      {
        responseHeaders: {
          'content-security-policy': ["default-src *; script-src * 'unsafe-eval'"],
          'X-A': ['1'],
        },
      },
      callback,
    );
    expect(callback).toHaveBeenCalledTimes(1);
    const headers = callback.mock.calls[0]?.[0].responseHeaders as Record<string, string[]>;
    expect(headers['Content-Security-Policy']).toEqual([CONTENT_SECURITY_POLICY]);
    expect(headers['content-security-policy']).toBeUndefined();
    expect(headers['X-A']).toEqual(['1']);

    // a response with no headers at all still gets it
    const bare = vi.fn();
    session.headersListener?.({}, bare);
    expect(bare.mock.calls[0]?.[0].responseHeaders).toEqual({
      'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
    });
  });

  it("is the headless host's policy; the dev server adds only inline scripts", () => {
    expect(contentSecurityPolicy({ devServer: false })).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    const dev = contentSecurityPolicy({ devServer: true });
    expect(dev).toContain("script-src 'self' 'unsafe-inline'");
    expect(dev.replace(" 'unsafe-inline'", '')).toBe(CONTENT_SECURITY_POLICY);
    expect(withContentSecurityPolicy({ A: 'b' }, 'x')).toEqual({
      A: ['b'],
      'Content-Security-Policy': ['x'],
    });
  });
});

describe('applySecurity', () => {
  it('hardens every webContents created from then on, and the default session', () => {
    const app = new EventEmitter();
    const session = new FakeSession();
    const shell = { openExternal: vi.fn(async () => {}) };
    applySecurity({
      app: app as unknown as App,
      session: session as unknown as Session,
      shell,
      log,
      isAppUrl,
      devServer: false,
    });
    expect(session.headersListener).toBeTypeOf('function');
    expect(session.requestHandler).toBeTypeOf('function');

    const later = new FakeWebContents();
    app.emit('web-contents-created', {}, later);
    const away = navEvent('https://evil.example/');
    later.emit('will-navigate', away, away.url);
    expect(away.preventDefault).toHaveBeenCalledTimes(1);
    expect(later.openHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
  });
});
