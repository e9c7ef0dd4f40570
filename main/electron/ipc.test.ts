import { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const electron = vi.hoisted(() => {
  class FakeMessagePortMain {
    constructor(readonly name: string) {}
    close = vi.fn();
  }
  class FakeMessageChannelMain {
    static created = 0;
    port1 = new FakeMessagePortMain('port1');
    port2 = new FakeMessagePortMain('port2');
    constructor() {
      FakeMessageChannelMain.created += 1;
    }
  }
  class FakeBrowserWindow {}
  return { FakeMessageChannelMain, FakeBrowserWindow };
});

vi.mock('electron', () => ({
  MessageChannelMain: electron.FakeMessageChannelMain,
  BrowserWindow: electron.FakeBrowserWindow,
}));

import { type BrowserWindow, type IpcMain, type IpcMainEvent, MessageChannelMain } from 'electron';
import { createLogger } from '../engine/log';
import { CONNECT_CHANNEL, registerEngineIpc, senderProblem } from './ipc';
import { appLocation, appPaths } from './window';

const paths = appPaths('/opt/fieldline/out/main');
const APP_URL = `${pathToFileURL(paths.rendererIndex).href}#/devices`;

interface FakeFrame {
  url: string;
  parent: FakeFrame | null;
  detached: boolean;
  processId: number;
  frameToken: string;
}

function frame(url: string, parent: FakeFrame | null = null, token = 'main'): FakeFrame {
  return { url, parent, detached: false, processId: 7, frameToken: token };
}

function fakeContents(id: number, mainFrame: FakeFrame) {
  return { id, mainFrame, postMessage: vi.fn() };
}

function setup(options: { isPackaged?: boolean; devServerUrl?: string } = {}) {
  const mainFrame = frame(APP_URL);
  const contents = fakeContents(1, mainFrame);
  let destroyed = false;
  const window = { webContents: contents, isDestroyed: () => destroyed };
  const ipcMain = new EventEmitter();
  const engine = { connect: vi.fn() };
  const location = appLocation({
    rendererIndex: paths.rendererIndex,
    isPackaged: options.isPackaged ?? true,
    devServerUrl: options.devServerUrl,
  });
  const warn = vi.fn();
  const log = { ...createLogger({ level: 'silent' }), warn };
  const unregister = registerEngineIpc({
    ipcMain: ipcMain as unknown as IpcMain,
    getWindow: () => window as unknown as BrowserWindow,
    isAppUrl: location.isAppUrl,
    engine,
    createChannel: () => new MessageChannelMain(),
    log,
  });
  const request = (sender: ReturnType<typeof fakeContents>, senderFrame: FakeFrame | null) =>
    ipcMain.emit(CONNECT_CHANNEL, { sender, senderFrame } as unknown as IpcMainEvent);
  return {
    mainFrame,
    contents,
    engine,
    warn,
    request,
    unregister,
    ipcMain,
    destroy: () => {
      destroyed = true;
    },
  };
}

beforeEach(() => {
  electron.FakeMessageChannelMain.created = 0;
});

describe("'engine:connect'", () => {
  it("gives our window's main frame on our page a channel: port1 to the engine, port2 to the page", () => {
    const { contents, mainFrame, engine, request } = setup();
    request(contents, mainFrame);
    expect(electron.FakeMessageChannelMain.created).toBe(1);
    expect(engine.connect).toHaveBeenCalledTimes(1);
    const enginePort = engine.connect.mock.calls[0]?.[0] as { name: string };
    expect(enginePort.name).toBe('port1');
    expect(contents.postMessage).toHaveBeenCalledTimes(1);
    const [channel, message, transfer] = contents.postMessage.mock.calls[0] ?? [];
    expect(channel).toBe('engine:port');
    expect(message).toBeNull();
    expect((transfer as { name: string }[]).map((port) => port.name)).toEqual(['port2']);
  });

  it('accepts a main frame that is an equal WebFrameMain object with the same identity', () => {
    const { contents, mainFrame, engine, request } = setup();
    request(contents, { ...mainFrame });
    expect(engine.connect).toHaveBeenCalledTimes(1);
  });

  it('refuses a subframe of our window, even one showing our page', () => {
    const { contents, mainFrame, engine, warn, request } = setup();
    request(contents, frame(APP_URL, mainFrame, 'child'));
    request(contents, frame('https://evil.example/', mainFrame, 'child2'));
    expect(engine.connect).not.toHaveBeenCalled();
    expect(contents.postMessage).not.toHaveBeenCalled();
    expect(electron.FakeMessageChannelMain.created).toBe(0);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[0]?.[0]).toMatch(/not the main frame/);
  });

  it('refuses our main frame once it shows another URL', () => {
    const { contents, mainFrame, engine, warn, request } = setup();
    mainFrame.url = 'https://evil.example/';
    request(contents, mainFrame);
    mainFrame.url = pathToFileURL('/tmp/download.html').href;
    request(contents, mainFrame);
    expect(engine.connect).not.toHaveBeenCalled();
    expect(contents.postMessage).not.toHaveBeenCalled();
    expect(warn.mock.calls.map((call) => call[0])).toEqual([
      'refused engine:connect: not the app page',
      'refused engine:connect: not the app page',
    ]);
  });

  it('refuses another webContents, a gone frame and a closed window', () => {
    const { contents, mainFrame, engine, request, destroy } = setup();
    const other = fakeContents(2, frame(APP_URL, null, 'other'));
    request(other, other.mainFrame);
    request(contents, null);
    request(contents, { ...mainFrame, detached: true });
    destroy();
    request(contents, mainFrame);
    expect(engine.connect).not.toHaveBeenCalled();
    expect(contents.postMessage).not.toHaveBeenCalled();
    expect(other.postMessage).not.toHaveBeenCalled();
  });

  it('accepts the dev server page only when not packaged', () => {
    const dev = setup({ isPackaged: false, devServerUrl: 'http://localhost:5173/' });
    dev.mainFrame.url = 'http://localhost:5173/';
    dev.request(dev.contents, dev.mainFrame);
    expect(dev.engine.connect).toHaveBeenCalledTimes(1);

    const packaged = setup({ isPackaged: true, devServerUrl: 'http://localhost:5173/' });
    packaged.mainFrame.url = 'http://localhost:5173/';
    packaged.request(packaged.contents, packaged.mainFrame);
    expect(packaged.engine.connect).not.toHaveBeenCalled();
  });

  it('unregisters', () => {
    const { contents, mainFrame, engine, request, unregister, ipcMain } = setup();
    unregister();
    expect(ipcMain.listenerCount(CONNECT_CHANNEL)).toBe(0);
    request(contents, mainFrame);
    expect(engine.connect).not.toHaveBeenCalled();
  });
});

describe('senderProblem', () => {
  it('names no problem for the app frame and one for everything else', () => {
    const mainFrame = frame(APP_URL);
    const contents = fakeContents(1, mainFrame);
    const window = { webContents: contents, isDestroyed: () => false } as unknown as BrowserWindow;
    const isApp = (url: string) => url === APP_URL;
    const event = (senderFrame: FakeFrame | null, sender = contents) =>
      ({ sender, senderFrame }) as unknown as IpcMainEvent;
    expect(senderProblem(event(mainFrame), window, isApp)).toBeNull();
    expect(senderProblem(event(mainFrame), null, isApp)).toBe('no app window');
    expect(senderProblem(event(frame(APP_URL, mainFrame, 'c')), window, isApp)).toBe('not the main frame');
    // a top-level frame that is not this window's main frame (a popup's, say)
    expect(senderProblem(event(frame(APP_URL, null, 'popup')), window, isApp)).toBe('not the main frame');
  });
});
