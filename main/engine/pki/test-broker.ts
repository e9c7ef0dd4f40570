/**
 * Shared by the mosquitto tests: a plant broker set up from a CA once for the suite and
 * removed after it, and a device that connects, subscribes to its topic, publishes and
 * waits for its own message back, so every refusal (handshake, CONNACK, SUBACK, PUBACK)
 * shows up as one outcome.
 */
import { rmSync } from 'node:fs';
import mqtt, { type IClientOptions } from 'mqtt';
import { afterAll, beforeAll } from 'vitest';
import type { PlantBroker } from '../commissioning/plant-broker';
import type { DeviceCredentials } from './device-credentials';

export type EchoOutcome = { ok: true; echoed: string; cipher: string } | { ok: false; error: string };

/**
 * Configures `broker` from the credentials `open` returns (anything the broker's first
 * files must hold is set up there) and starts it before the suite; stops and deletes it after.
 */
export function useBroker(broker: PlantBroker, open: () => Promise<DeviceCredentials>): void {
  beforeAll(async () => {
    await broker.configure(await open());
    await broker.start();
  }, 30_000);

  afterAll(async () => {
    await broker.stop();
    rmSync(broker.dir, { recursive: true, force: true });
  });
}

/**
 * Connects over TLS with `tls` (certificates or a PSK) as a client id starting `clientName`,
 * subscribes to `topic`, publishes '21.5' on it and waits for the echo; the cipher is the
 * suite the handshake settled on.
 */
export function tryEcho(
  port: number,
  tls: IClientOptions,
  clientName: string,
  topic: string,
): Promise<EchoOutcome> {
  return new Promise((resolve) => {
    const client = mqtt.connect(`mqtts://127.0.0.1:${port}`, {
      ...tls,
      clientId: `${clientName}-${Math.random().toString(16).slice(2, 8)}`,
      protocolVersion: 5,
      reconnectPeriod: 0,
      connectTimeout: 4000,
    });
    let settled = false;
    const finish = (outcome: EchoOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.end(true);
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ ok: false, error: 'timed out' }), 6000);
    client.on('error', (error) => finish({ ok: false, error: error.message }));
    client.on('close', () => finish({ ok: false, error: 'connection closed' }));
    client.on('message', (_topic, payload) => {
      const cipher = (client.stream as unknown as { getCipher(): { name: string } }).getCipher().name;
      finish({ ok: true, echoed: payload.toString(), cipher });
    });
    client.on('connect', () => {
      client.subscribe(topic, { qos: 1 }, (error, granted) => {
        if (error) return finish({ ok: false, error: `subscribe: ${error.message}` });
        // MQTT 5: a reason code of 0x80 or more in the SUBACK is a refusal (0x87: not authorized)
        const code = granted?.[0]?.qos ?? 0;
        if (code >= 0x80) return finish({ ok: false, error: `subscribe refused (0x${code.toString(16)})` });
        client.publish(topic, '21.5', { qos: 1 }, (publishError) => {
          if (publishError) finish({ ok: false, error: `publish refused: ${publishError.message}` });
        });
      });
    });
  });
}
