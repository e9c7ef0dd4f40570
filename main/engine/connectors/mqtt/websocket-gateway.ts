/**
 * Test helper: MQTT over WebSockets in front of a real mosquitto. The apt mosquitto
 * here is built without a websockets listener, so this plays the part sites usually give
 * nginx or a cloud load balancer: terminate ws:// or wss:// (subprotocol "mqtt") and pipe
 * the MQTT byte stream to the broker's TCP port untouched.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { createWebSocketStream, WebSocketServer } from 'ws';

export interface WebSocketGatewayOptions {
  brokerPort: number;
  /** PEMs for wss://; plain ws:// without them */
  tls?: { cert: string; key: string };
}

export class WebSocketGateway {
  port = 0;
  connections = 0;
  private readonly server: http.Server | https.Server;
  private readonly wss: WebSocketServer;
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly options: WebSocketGatewayOptions) {
    this.server = options.tls ? https.createServer(options.tls) : http.createServer();
    this.wss = new WebSocketServer({
      server: this.server,
      path: '/mqtt',
      // MQTT over WebSockets requires the "mqtt" subprotocol (MQTT 5.0 §6)
      handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false),
    });
    this.wss.on('connection', (ws) => {
      this.connections++;
      const upstream = net.connect({ host: '127.0.0.1', port: options.brokerPort });
      this.sockets.add(upstream);
      const stream = createWebSocketStream(ws);
      stream.pipe(upstream).pipe(stream);
      const close = () => {
        upstream.destroy();
        stream.destroy();
        this.sockets.delete(upstream);
      };
      upstream.on('error', close);
      upstream.on('close', close);
      stream.on('error', close);
      stream.on('close', close);
    });
  }

  get url(): string {
    return `${this.options.tls ? 'wss' : 'ws'}://127.0.0.1:${this.port}/mqtt`;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
