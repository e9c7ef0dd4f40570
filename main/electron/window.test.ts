import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const electron = vi.hoisted(() => {
  class FakeBrowserWindow {
    static created: FakeBrowserWindow[] = [];
    options: { webPreferences?: Record<string, unknown> } & Record<string, unknown>;
    loadFile = vi.fn(async (_file: string) => {});
    loadURL = vi.fn(async (_url: string) => {});
    show = vi.fn();
    isDestroyed = () => false;
    once = vi.fn();
    constructor(options: FakeBrowserWindow['options']) {
      this.options = options;
      FakeBrowserWindow.created.push(this);
    }
  }
  return { FakeBrowserWindow };
});

vi.mock('electron', () => ({ BrowserWindow: electron.FakeBrowserWindow }));

import { createLogger } from '../engine/log';
import {
  appLocation,
  applicationMenuTemplate,
  appPaths,
  createMainWindow,
  secureWebPreferences,
} from './window';

const log = createLogger({ level: 'silent' });
const paths = appPaths('/opt/fieldline/out/main');

beforeEach(() => {
  electron.FakeBrowserWindow.created = [];
});

describe('secureWebPreferences', () => {
  it("is Electron's security checklist", () => {
    const prefs = secureWebPreferences('/x/preload.js');
    expect(prefs).toMatchObject({
      preload: '/x/preload.js',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      webviewTag: false,
      allowRunningInsecureContent: false,
      spellcheck: false,
    });
    expect(prefs.enableBlinkFeatures).toBeUndefined();
    expect(prefs.experimentalFeatures).toBe(false);
  });
});

describe('appPaths', () => {
  it('finds the preload, renderer and engine host beside the main bundle', () => {
    expect(paths.preload).toBe(path.normalize('/opt/fieldline/out/preload/index.js'));
    expect(paths.rendererIndex).toBe(path.normalize('/opt/fieldline/out/renderer/index.html'));
    expect(paths.engineHost).toBe(path.normalize('/opt/fieldline/out/main/engine-host.js'));
  });
});

describe('createMainWindow', () => {
  it('creates the window with the hardened webPreferences and loads the built renderer file', () => {
    const location = appLocation({ rendererIndex: paths.rendererIndex, isPackaged: true });
    createMainWindow({ location, preloadPath: paths.preload, isPackaged: true, log });
    const [window] = electron.FakeBrowserWindow.created;
    expect(window).toBeDefined();
    expect(window?.options.webPreferences).toEqual(secureWebPreferences(paths.preload, { devTools: false }));
    expect(window?.options.webPreferences?.sandbox).toBe(true);
    expect(window?.options.webPreferences?.contextIsolation).toBe(true);
    expect(window?.options.webPreferences?.nodeIntegration).toBe(false);
    expect(window?.loadFile).toHaveBeenCalledWith(paths.rendererIndex);
    expect(window?.loadURL).not.toHaveBeenCalled();
  });

  it('uses the dev server only when not packaged', () => {
    const dev = appLocation({
      rendererIndex: paths.rendererIndex,
      isPackaged: false,
      devServerUrl: 'http://localhost:5173/',
    });
    createMainWindow({ location: dev, preloadPath: paths.preload, isPackaged: false, log });
    expect(electron.FakeBrowserWindow.created[0]?.loadURL).toHaveBeenCalledWith('http://localhost:5173/');

    // a packaged app ignores ELECTRON_RENDERER_URL
    const packaged = appLocation({
      rendererIndex: paths.rendererIndex,
      isPackaged: true,
      devServerUrl: 'http://localhost:5173/',
    });
    createMainWindow({ location: packaged, preloadPath: paths.preload, isPackaged: true, log });
    expect(electron.FakeBrowserWindow.created[1]?.loadFile).toHaveBeenCalledWith(paths.rendererIndex);
    expect(electron.FakeBrowserWindow.created[1]?.loadURL).not.toHaveBeenCalled();
  });
});

describe('appLocation().isAppUrl', () => {
  const indexUrl = pathToFileURL(paths.rendererIndex).href;
  const packaged = appLocation({ rendererIndex: paths.rendererIndex, isPackaged: true });

  it("accepts the built renderer's file URL, with any query or fragment", () => {
    expect(packaged.isAppUrl(indexUrl)).toBe(true);
    expect(packaged.isAppUrl(`${indexUrl}#/devices/pump-1`)).toBe(true);
    expect(packaged.isAppUrl(`${indexUrl}?x=1`)).toBe(true);
  });

  it('refuses other files, other schemes and junk', () => {
    expect(packaged.isAppUrl(pathToFileURL('/etc/passwd').href)).toBe(false);
    expect(
      packaged.isAppUrl(pathToFileURL(path.join(path.dirname(paths.rendererIndex), 'other.html')).href),
    ).toBe(false);
    expect(packaged.isAppUrl(indexUrl.replace('file:///', 'file://evil.example/'))).toBe(false);
    expect(packaged.isAppUrl('https://evil.example/index.html')).toBe(false);
    expect(packaged.isAppUrl('http://localhost:5173/')).toBe(false);
    expect(packaged.isAppUrl('about:blank')).toBe(false);
    expect(packaged.isAppUrl('not a url')).toBe(false);
  });

  it('in development accepts the dev server origin and nothing else', () => {
    const dev = appLocation({
      rendererIndex: paths.rendererIndex,
      isPackaged: false,
      devServerUrl: 'http://localhost:5173',
    });
    expect(dev.isAppUrl('http://localhost:5173/')).toBe(true);
    expect(dev.isAppUrl('http://localhost:5173/src/main.tsx')).toBe(true);
    expect(dev.isAppUrl('http://localhost:5174/')).toBe(false);
    expect(dev.isAppUrl('https://localhost:5173/')).toBe(false);
    expect(dev.isAppUrl('http://evil.example/')).toBe(false);
  });
});

describe('applicationMenuTemplate', () => {
  const labels = (template: ReturnType<typeof applicationMenuTemplate>) =>
    template.map((item) => item.label ?? item.role);

  it('has File ▸ Quit and Help ▸ About; View (reload, devtools) only in development', () => {
    const showAbout = vi.fn();
    const packaged = applicationMenuTemplate({ isPackaged: true, platform: 'linux', showAbout });
    expect(labels(packaged)).toEqual(['&File', '&Help']);
    expect(packaged[0]?.submenu).toEqual([{ role: 'quit' }]);

    const dev = applicationMenuTemplate({ isPackaged: false, platform: 'linux', showAbout });
    expect(labels(dev)).toEqual(['&File', '&View', '&Help']);
    expect(dev[1]?.submenu).toEqual([{ role: 'reload' }, { role: 'toggleDevTools' }]);

    const help = packaged[1]?.submenu as { click?: () => void }[];
    help[0]?.click?.();
    expect(showAbout).toHaveBeenCalledTimes(1);
  });

  it('on macOS adds the app menu and Edit (copy and paste)', () => {
    const mac = applicationMenuTemplate({ isPackaged: true, platform: 'darwin', showAbout: () => {} });
    expect(labels(mac)).toEqual(['appMenu', '&File', 'editMenu', '&Help']);
  });
});
