/**
 * The transport over real WebSocket connections on 127.0.0.1: what it buffers for a client
 * that does not read, and how it holds back a client that floods requests.
 */

import type net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import type { MessageTransport } from '../../common/protocol';
import { createWebSocketTransport, type SendLimits } from './websocket-transport';

let wss: WebSocketServer | undefined;
const clients: WebSocket[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  await new Promise((resolve) => (wss ? wss.close(resolve) : resolve(undefined)));
  wss = undefined;
});

/** A connected pair: the host's side wrapped in the transport, and a client. */
async function pair(limits: SendLimits) {
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => wss!.once('listening', resolve));
  const serverSide = new Promise<{ ws: WebSocket; transport: MessageTransport }>((resolve) =>
    wss!.once('connection', (ws) => resolve({ ws, transport: createWebSocketTransport(ws, limits) })),
  );
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  clients.push(client);
  await new Promise((resolve) => client.once('open', resolve));
  return {
    client,
    clientSocket: (client as unknown as { _socket: net.Socket })._socket,
    ...(await serverSide),
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('WebSocket transport', () => {
  test('a client that stops reading is closed (1013) before unsent data passes the limit', async () => {
    const limits = { pauseReadingBytes: 256 * 1024, maxBufferedBytes: 1024 * 1024 };
    const { ws, transport, clientSocket } = await pair(limits);
    clientSocket.pause();
    const message = { stream: 'readings.live', data: 'x'.repeat(32 * 1024) };
    const messageBytes = JSON.stringify(message).length;
    let largest = 0;
    let sends = 0;
    // far more than loopback's socket buffers and the limit together
    while (ws.readyState === ws.OPEN && sends < 4000) {
      transport.send(message);
      sends += 1;
      largest = Math.max(largest, ws.bufferedAmount);
      if (sends % 16 === 0) await tick();
    }
    expect(ws.readyState).toBe(ws.CLOSING);
    expect(largest).toBeLessThanOrEqual(limits.maxBufferedBytes + messageBytes + 64);
    expect(sends).toBeLessThan(4000);
    const code = new Promise((resolve) => clients[0]!.once('close', resolve));
    clientSocket.resume();
    expect(await code).toBe(1013);
  });

  test('a client that floods requests without reading answers is paused, not cut off, and gets every answer', async () => {
    const limits = { pauseReadingBytes: 256 * 1024, maxBufferedBytes: 64 * 1024 * 1024 };
    const { ws, transport, client, clientSocket } = await pair(limits);
    const answer = 'y'.repeat(16 * 1024);
    let handled = 0;
    transport.onMessage((request) => {
      handled += 1;
      transport.send({ id: (request as { id: number }).id, result: answer });
    });
    let largest = 0;
    const watch = setInterval(() => {
      largest = Math.max(largest, ws.bufferedAmount);
    }, 1);
    clientSocket.pause();
    const requests = 3000;
    for (let id = 0; id < requests; id++) client.send(JSON.stringify({ id, method: 'engine.info' }));
    await expect.poll(() => ws.isPaused, { timeout: 5000 }).toBe(true);
    const handledWhilePaused = handled;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(handled).toBe(handledWhilePaused);
    expect(handled).toBeLessThan(requests);

    let answers = 0;
    client.on('message', () => {
      answers += 1;
    });
    clientSocket.resume();
    await expect.poll(() => answers, { timeout: 15_000 }).toBe(requests);
    clearInterval(watch);
    expect(ws.readyState).toBe(ws.OPEN);
    expect(ws.isPaused).toBe(false);
    // held near the pause threshold: what one socket read's worth of requests answers, not 3000 answers
    expect(largest).toBeLessThan(requests * answer.length);
  });
});
