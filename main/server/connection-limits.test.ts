/**
 * What one client, or many, can make the host hold: open RPC connections, sockets that
 * never become one, request time, message size, and unsent answers.
 */
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type WebSocket from 'ws';
import type { HeadlessServer } from './headless-server';
import { rawGet, rawRequest } from './raw-http-harness';
import { echoEngine, openWebSocket, startTestHost, TEST_TOKEN, tempRendererDir } from './test-host';

let server: HeadlessServer | undefined;
const opened: { terminate?: () => void; destroy?: () => void }[] = [];
afterEach(async () => {
  for (const socket of opened.splice(0)) (socket.terminate ?? socket.destroy)?.call(socket);
  await server?.close();
  server = undefined;
});

const PROTOCOLS = [`fieldline.token.${TEST_TOKEN}`];

function closed(socket: net.Socket): Promise<number> {
  const started = Date.now();
  socket.resume(); // a paused socket would never see the host's FIN
  return new Promise((resolve) => socket.once('close', () => resolve(Date.now() - started)));
}

function wsClosed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)));
}

describe('connection limits', () => {
  test('RPC connections are capped: one more gets 503 until one closes', async () => {
    server = await startTestHost({ limits: { maxWebSockets: 3 } });
    const port = server.port;
    const clients = [];
    for (let i = 0; i < 3; i++) clients.push(await openWebSocket(port, PROTOCOLS));
    opened.push(...clients);
    const refused = await rawRequest(
      port,
      rawGet('/rpc', `127.0.0.1:${port}`, { upgrade: true, token: TEST_TOKEN }),
    );
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    const gone = wsClosed(clients[0]!);
    clients[0]!.close();
    await gone;
    await expect
      .poll(
        async () =>
          (await openWebSocket(port, PROTOCOLS).then(
            (ws) => opened.push(ws),
            () => 0,
          )) > 0,
      )
      .toBe(true);
  });

  test('sockets that never become an RPC connection are capped and time out; RPC connections are not', async () => {
    server = await startTestHost({
      limits: { maxPendingSockets: 5, headersTimeoutMs: 1000, requestTimeoutMs: 2000, timeoutCheckMs: 100 },
    });
    const port = server.port;
    const rpc = await openWebSocket(port, PROTOCOLS);
    opened.push(rpc);
    const idlers = Array.from({ length: 5 }, () => net.connect(port, '127.0.0.1'));
    opened.push(...idlers);
    await Promise.all(idlers.map((s) => new Promise((resolve) => s.once('connect', resolve))));
    const idleClosed = idlers.map(closed);
    // a slow sender: headers started but never finished (slowloris)
    idlers[0]!.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n');

    const extra = net.connect(port, '127.0.0.1');
    opened.push(extra);
    // refused at once, long before any timeout could have closed it
    expect(await closed(extra)).toBeLessThan(500);

    const lifetimes = await Promise.all(idleClosed);
    for (const ms of lifetimes) {
      expect(ms).toBeGreaterThanOrEqual(900);
      expect(ms).toBeLessThan(4000);
    }
    // the RPC connection outlived the timeouts, and the host serves again
    expect(rpc.readyState).toBe(rpc.OPEN);
    await expect
      .poll(async () => (await rawRequest(port, rawGet('/', `127.0.0.1:${port}`))).status)
      .toBe(200);
  });

  test('one address cannot take every slot: its extra sockets are refused, another address is served', async () => {
    server = await startTestHost({ limits: { maxPendingSockets: 10, maxPendingPerAddress: 3 } });
    const port = server.port;
    const idlers = Array.from({ length: 3 }, () => net.connect(port, '127.0.0.1'));
    opened.push(...idlers);
    await Promise.all(idlers.map((s) => new Promise((resolve) => s.once('connect', resolve))));
    const extra = net.connect(port, '127.0.0.1');
    opened.push(extra);
    expect(await closed(extra)).toBeLessThan(500);
    const other = await rawRequest(port, rawGet('/', `127.0.0.1:${port}`), { localAddress: '127.0.0.2' });
    expect(other.status).toBe(200);
    for (const idler of idlers) expect(idler.destroyed).toBe(false);
  });

  test('a client that stops reading a page is disconnected after the idle timeout', async () => {
    const rendererDir = tempRendererDir();
    const size = 64 * 1024 * 1024;
    writeFileSync(path.join(rendererDir, 'big.js'), Buffer.alloc(size, 0x20));
    server = await startTestHost({ rendererDir, limits: { idleTimeoutMs: 500 } });
    const socket = net.connect(server.port, '127.0.0.1');
    opened.push(socket);
    socket.pause();
    socket.write(rawGet('/big.js', `127.0.0.1:${server.port}`));
    await new Promise((resolve) => setTimeout(resolve, 2000));
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    await closed(socket);
    // what the socket buffers held when the host gave up, not the whole file
    expect(received).toBeLessThan(size);
  });

  test('a message over the size limit closes that connection (1009) and reaches nothing', async () => {
    const received: unknown[] = [];
    server = await startTestHost({ engine: echoEngine(received), limits: { maxPayloadBytes: 64 * 1024 } });
    const ws = await openWebSocket(server.port, PROTOCOLS);
    opened.push(ws);
    const code = wsClosed(ws);
    ws.send(JSON.stringify({ id: 1, method: 'engine.info', params: 'x'.repeat(64 * 1024) }));
    expect(await code).toBe(1009);
    expect(received).toEqual([]);
  });
});
