/**
 * The shell's only IPC channel: 'engine:connect'. The page (through the preload) asks for
 * a connection; the main process makes a MessageChannelMain, gives one end to the engine
 * and the other to the page. From then on the page and the engine talk directly; the
 * main process never sees the RPC traffic.
 *
 * A request is honoured only from the main frame of our own window showing our own page:
 * not from an iframe, another webContents, or the window after it navigated elsewhere.
 */
import type {
  BrowserWindow,
  IpcMain,
  IpcMainEvent,
  MessageChannelMain,
  MessagePortMain,
  WebFrameMain,
} from 'electron';
import type { Logger } from '../engine/log';

export const CONNECT_CHANNEL = 'engine:connect';
export const PORT_CHANNEL = 'engine:port';

/** Where the engine's end of a new channel goes (the engine process manager). */
export interface EnginePortSink {
  connect(port: MessagePortMain): void;
}

export interface EngineIpcOptions {
  ipcMain: Pick<IpcMain, 'on' | 'removeListener'>;
  getWindow: () => BrowserWindow | null;
  isAppUrl: (url: string) => boolean;
  engine: EnginePortSink;
  createChannel: () => MessageChannelMain;
  log: Logger;
}

/** Why a sender is refused, or null when it is our window's main frame on our page. */
export function senderProblem(
  event: Pick<IpcMainEvent, 'sender' | 'senderFrame'>,
  window: BrowserWindow | null,
  isAppUrl: (url: string) => boolean,
): string | null {
  if (!window || window.isDestroyed()) return 'no app window';
  const contents = window.webContents;
  if (event.sender !== contents && event.sender?.id !== contents.id) return 'not the app window';
  const frame = event.senderFrame;
  if (!frame || frame.detached) return 'the frame is gone';
  if (frame.parent !== null || !sameFrame(frame, contents.mainFrame)) return 'not the main frame';
  if (!isAppUrl(frame.url)) return 'not the app page';
  return null;
}

type FrameIdentity = Pick<WebFrameMain, 'processId' | 'frameToken'>;

/** Electron hands out one WebFrameMain per frame; the ids are the fallback if not. */
function sameFrame(a: FrameIdentity, b: FrameIdentity): boolean {
  return a === b || (a.processId === b.processId && a.frameToken === b.frameToken);
}

/** Registers the handler; returns a function that removes it. */
export function registerEngineIpc(options: EngineIpcOptions): () => void {
  const { log } = options;
  const onConnect = (event: IpcMainEvent) => {
    const problem = senderProblem(event, options.getWindow(), options.isAppUrl);
    if (problem) {
      log.warn(`refused ${CONNECT_CHANNEL}: ${problem}`, { url: safeUrl(event) });
      return;
    }
    const { port1, port2 } = options.createChannel();
    options.engine.connect(port1);
    event.sender.postMessage(PORT_CHANNEL, null, [port2]);
  };
  options.ipcMain.on(CONNECT_CHANNEL, onConnect);
  return () => options.ipcMain.removeListener(CONNECT_CHANNEL, onConnect);
}

function safeUrl(event: Pick<IpcMainEvent, 'senderFrame'>): string | undefined {
  try {
    return event.senderFrame?.url;
  } catch {
    return undefined;
  }
}
