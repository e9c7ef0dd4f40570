/**
 * The Electron main process (bundled to out/main/index.js). Thin on purpose: one
 * hardened window, a menu, the engine in a utilityProcess, and the 'engine:connect'
 * handshake that gives the page a MessagePort to the engine. Everything else is the
 * engine's job, over the RPC contract.
 */
import path from 'node:path';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  MessageChannelMain,
  safeStorage,
  session,
  shell,
  utilityProcess,
} from 'electron';
import { engineDataDir } from '../engine/demo/demo-data-dir';
import { createLogger } from '../engine/log';
import { type DesktopMasterKey, engineStartFor, resolveDesktopMasterKey } from './desktop-master-key';
import { EngineProcess, engineArgs } from './engine-process';
import { registerEngineIpc } from './ipc';
import { applySecurity } from './security';
import { appLocation, applicationMenuTemplate, appPaths, createMainWindow } from './window';

const log = createLogger({ scope: 'main' });

// every renderer sandboxed, whatever a future BrowserWindow says (must precede 'ready')
app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  // another Fieldline is running; it gets focused by its 'second-instance' handler
  app.quit();
} else {
  run();
}

function run(): void {
  const paths = appPaths(__dirname);
  const devServerUrl = app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL;
  const location = appLocation({
    rendererIndex: paths.rendererIndex,
    isPackaged: app.isPackaged,
    devServerUrl,
  });
  let mainWindow: BrowserWindow | null = null;
  const dataDir = path.join(app.getPath('userData'), 'data');
  const demo = !process.argv.includes('--no-demo');

  const engine = new EngineProcess({
    modulePath: paths.engineHost,
    args: engineArgs({
      dataDir: engineDataDir(dataDir, demo),
      demo,
      // a packaged app's profiles and demo site are extraResources, outside the asar
      resourcesDir: app.isPackaged ? path.join(process.resourcesPath, 'resources') : undefined,
    }),
    fork: (modulePath, args, options) => utilityProcess.fork(modulePath, args, options),
    log: log.child('engine-process'),
    // the renderer also notices by its port closing; this only makes it sooner
    onRestart: () => {
      if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send('engine:restarted');
    },
    onGiveUp: (exitCode) => {
      dialog.showErrorBox(
        'Fieldline',
        `The Fieldline engine stopped (exit code ${exitCode}) and could not be restarted. ` +
          'Its log is in the terminal that started Fieldline. Restart the app to try again.',
      );
    },
  });

  const openWindow = () => {
    const window = createMainWindow({
      location,
      preloadPath: paths.preload,
      isPackaged: app.isPackaged,
      log,
    });
    window.on('closed', () => {
      if (mainWindow === window) mainWindow = null;
    });
    mainWindow = window;
  };

  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  app
    .whenReady()
    .then(() => {
      applySecurity({
        app,
        session: session.defaultSession,
        shell,
        log,
        isAppUrl: location.isAppUrl,
        devServer: !!devServerUrl,
      });
      app.setAboutPanelOptions({ applicationName: 'Fieldline', applicationVersion: app.getVersion() });
      Menu.setApplicationMenu(
        Menu.buildFromTemplate(
          applicationMenuTemplate({
            isPackaged: app.isPackaged,
            platform: process.platform,
            showAbout: () => app.showAboutPanel(),
          }),
        ),
      );
      registerEngineIpc({
        ipcMain,
        getWindow: () => mainWindow,
        isAppUrl: location.isAppUrl,
        engine,
        createChannel: () => new MessageChannelMain(),
        log,
      });
      // safeStorage only works after 'ready'; without it the engine does not start (see desktop-master-key.ts)
      let masterKey: DesktopMasterKey;
      try {
        masterKey = resolveDesktopMasterKey({
          safeStorage,
          userDataDir: app.getPath('userData'),
          dataDir,
          platform: process.platform,
        });
      } catch (error) {
        log.error('no master key; not starting the engine', { error: (error as Error).message });
        dialog.showErrorBox('Fieldline cannot protect its credentials', (error as Error).message);
        app.exit(1);
        return;
      }
      if (masterKey.kind === 'keyFile') {
        log.warn('the master key is in a 0600 key file: no system keyring', {
          protection: masterKey.protection,
        });
        if (masterKey.firstUse) {
          void dialog.showMessageBox({
            type: 'warning',
            title: 'Fieldline',
            message: 'No system keyring: credentials are protected by file permissions only',
            detail: masterKey.warning,
          });
        }
      }
      engine.start(engineStartFor(masterKey));
      openWindow();
      // macOS: clicking the dock icon with no window open
      app.on('activate', () => {
        if (BrowserWindow.getAllWindows().length === 0) openWindow();
      });
    })
    .catch((error: unknown) => {
      log.error('start-up failed', {
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
      app.exit(1);
    });

  // one window: closing it quits, on every platform
  app.on('window-all-closed', () => app.quit());

  // Quit waits for the engine to close its database cleanly (or be killed after a timeout).
  let engineStopped = false;
  let stoppingEngine = false;
  app.on('before-quit', (event) => {
    if (engineStopped) return;
    event.preventDefault();
    if (stoppingEngine) return;
    stoppingEngine = true;
    engine
      .stop()
      .catch((error: unknown) => log.error('error while stopping the engine', { error: String(error) }))
      .finally(() => {
        engineStopped = true;
        app.quit();
      });
  });

  // Ctrl+C in the terminal that ran `npm start`: the same clean quit
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());
}
