/**
 * The sandboxed preload. It exposes no API (no contextBridge): it only carries the
 * engine's MessagePort from the main process to the page.
 *
 *   page → window.postMessage({type: 'fieldline:request-engine-port'}, '*')
 *   preload → ipcRenderer.send('engine:connect')          (main validates the sender)
 *   main → 'engine:port' with a MessagePort
 *   preload → window.postMessage('fieldline:engine-port', '*', [port])
 *
 * After a port closes the page asks again. 'engine:restarted' (a new engine process
 * replaced one that died) is passed on as 'fieldline:engine-restarted'.
 */
import { ipcRenderer } from 'electron';

const REQUEST_ENGINE_PORT = 'fieldline:request-engine-port';
const ENGINE_PORT = 'fieldline:engine-port';
const ENGINE_RESTARTED = 'fieldline:engine-restarted';

/** The few DOM members used here (the preload is type-checked with the Node code, no DOM lib). */
interface PageWindow {
  addEventListener(type: 'message', listener: (event: { source: unknown; data: unknown }) => void): void;
  postMessage(message: unknown, targetOrigin: string, transfer?: unknown[]): void;
}
// in the preload's isolated world, globalThis is that world's `window`
const page = globalThis as unknown as PageWindow;

function isPortRequest(data: unknown): boolean {
  return (
    typeof data === 'object' && data !== null && (data as { type?: unknown }).type === REQUEST_ENGINE_PORT
  );
}

page.addEventListener('message', (event) => {
  // only the page itself: not an iframe, not another window
  if (event.source !== page || !isPortRequest(event.data)) return;
  ipcRenderer.send('engine:connect');
});

ipcRenderer.on('engine:port', (event) => {
  // to our own window only: posting on `window` never reaches another frame
  page.postMessage(ENGINE_PORT, '*', event.ports);
});

ipcRenderer.on('engine:restarted', () => {
  page.postMessage(ENGINE_RESTARTED, '*');
});
