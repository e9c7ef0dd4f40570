/**
 * The main window: hardened webPreferences, the built renderer loaded from disk (or the
 * electron-vite dev server, in development only), and one place that says which URLs are
 * "the app" for navigation checks and IPC sender validation.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BrowserWindow, type MenuItemConstructorOptions, type WebPreferences } from 'electron';
import type { Logger } from '../engine/log';

/** Where the bundles are, relative to the main process bundle (out/main/index.js). */
export function appPaths(mainDir: string) {
  return {
    preload: path.join(mainDir, '../preload/index.js'),
    rendererIndex: path.join(mainDir, '../renderer/index.html'),
    engineHost: path.join(mainDir, 'engine-host.js'),
  };
}

/** Electron's security checklist, as webPreferences. Pure: tested as data. */
export function secureWebPreferences(
  preloadPath: string,
  options: { devTools?: boolean } = {},
): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    webviewTag: false,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
    devTools: options.devTools ?? true,
  };
}

export interface AppLocation {
  /** what the window loads */
  target: { kind: 'file'; path: string } | { kind: 'url'; url: string };
  /** true for the app's own page (any query or fragment), false for everything else */
  isAppUrl(url: string): boolean;
}

/**
 * The app's page: out/renderer/index.html, or ELECTRON_RENDERER_URL (electron-vite dev)
 * when the app is not packaged. A packaged app never loads a URL from its environment.
 */
export function appLocation(options: {
  rendererIndex: string;
  isPackaged: boolean;
  devServerUrl?: string | undefined;
}): AppLocation {
  const indexFile = normalise(path.resolve(options.rendererIndex));
  const devOrigin =
    !options.isPackaged && options.devServerUrl ? httpOrigin(options.devServerUrl) : undefined;

  const isAppUrl = (url: string): boolean => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return false;
    }
    if (devOrigin) return parsed.origin === devOrigin;
    if (parsed.protocol !== 'file:' || (parsed.host !== '' && parsed.host !== 'localhost')) return false;
    try {
      parsed.search = '';
      parsed.hash = '';
      return normalise(fileURLToPath(parsed)) === indexFile;
    } catch {
      return false;
    }
  };

  return {
    target:
      devOrigin && options.devServerUrl
        ? { kind: 'url', url: options.devServerUrl }
        : { kind: 'file', path: options.rendererIndex },
    isAppUrl,
  };
}

function httpOrigin(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}

function normalise(file: string): string {
  const resolved = path.normalize(file);
  return process.platform === 'win32' || process.platform === 'darwin' ? resolved.toLowerCase() : resolved;
}

export interface MainWindowOptions {
  location: AppLocation;
  preloadPath: string;
  isPackaged: boolean;
  log: Logger;
}

export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Fieldline',
    backgroundColor: '#101418',
    webPreferences: secureWebPreferences(options.preloadPath, { devTools: !options.isPackaged }),
  });
  window.once('ready-to-show', () => window.show());

  const { target } = options.location;
  const loading = target.kind === 'file' ? window.loadFile(target.path) : window.loadURL(target.url);
  loading.catch((error: unknown) => {
    options.log.error('the window could not load the app', {
      target: target.kind === 'file' ? target.path : target.url,
      error: String(error),
    });
    // show the (blank) window anyway, so the user is not left with nothing
    if (!window.isDestroyed()) window.show();
  });
  return window;
}

/**
 * File ▸ Quit, View ▸ Reload / Toggle DevTools (development only), Help ▸ About. On macOS
 * the app menu comes first and an Edit menu keeps copy and paste working in text fields.
 */
export function applicationMenuTemplate(options: {
  isPackaged: boolean;
  platform: NodeJS.Platform;
  showAbout: () => void;
}): MenuItemConstructorOptions[] {
  const mac = options.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [];
  if (mac) template.push({ role: 'appMenu' });
  template.push({ label: '&File', submenu: [{ role: 'quit' }] });
  if (mac) template.push({ role: 'editMenu' });
  if (!options.isPackaged) {
    template.push({ label: '&View', submenu: [{ role: 'reload' }, { role: 'toggleDevTools' }] });
  }
  template.push({
    label: '&Help',
    submenu: [{ label: 'About Fieldline', click: () => options.showAbout() }],
  });
  return template;
}
