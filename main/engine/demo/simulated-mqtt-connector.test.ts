import path from 'node:path';
import { describe, expect, test } from 'vitest';
import type { ConnectorSink } from '../connectors/connector';
import type { BrowseListener, BrowseMessage } from '../connectors/mqtt/topic-browser';
import { findResourcesDir } from '../resources';
import { createDemoConnectors } from './demo-site';
import { loadDemoSite } from './demo-site-definition';
import type { SimulatedMqttConnector } from './simulated-mqtt-connector';

const sink: ConnectorSink = { readings: () => {}, deviceSeen: () => {}, statusChanged: () => {} };

function demoMqtt() {
  const site = loadDemoSite(path.join(findResourcesDir(__dirname), 'demo-site.json'));
  let now = 1_764_000_000_000;
  const connector = createDemoConnectors(site, sink, () => now).find(
    (c) => c.id === 'demo-mqtt',
  ) as SimulatedMqttConnector;
  const advance = (ms: number) => {
    for (let t = 0; t < ms; t += 50) {
      now += 50;
      connector.tick(now);
    }
  };
  const mqttDevices = site.devices.filter((d) => d.connector === 'demo-mqtt').map((d) => d.id);
  return { connector, advance, mqttDevices, site: site.site };
}

function session(connector: SimulatedMqttConnector, filter: string) {
  const messages: BrowseMessage[] = [];
  const states: string[] = [];
  const listener: BrowseListener = {
    message: (m) => messages.push(m),
    state: (s) => states.push(s),
  };
  const stop = connector.browse(filter, listener);
  return { messages, states, stop };
}

const settle = () => new Promise<void>((r) => queueMicrotask(r));

describe('the demo MQTT connector as a topic browser source', () => {
  test("browsing # gets every device's retained LWT first, then live metric messages off the template", async () => {
    const { connector, advance, mqttDevices, site } = demoMqtt();
    expect(connector.ownFilters()).toEqual([`plant/${site}/+/+`]);
    const s = session(connector, '#');
    await settle();
    expect(s.states).toEqual(['subscribing', 'subscribed']);
    // Tasmota's LWT: tele/<topic>/LWT, "Online", retained
    expect(s.messages.map((m) => m.topic).sort()).toEqual(mqttDevices.map((d) => `tele/${d}/LWT`).sort());
    expect(s.messages.every((m) => m.retain && Buffer.from(m.payload).toString() === 'Online')).toBe(true);
    advance(2000);
    const live = s.messages.filter((m) => !m.retain);
    expect(live.length).toBeGreaterThan(10);
    expect(live.every((m) => m.topic.startsWith(`plant/${site}/`))).toBe(true);
    const body = JSON.parse(Buffer.from(live[0]!.payload).toString()) as Record<string, unknown>;
    expect(typeof body.value).toBe('number');
    expect(live[0]).toMatchObject({ qos: 1, properties: { contentType: 'application/json' } });
    s.stop();
    const before = s.messages.length;
    advance(1000);
    expect(s.messages.length).toBe(before);
  });

  test('a filter gets only what matches it', async () => {
    const { connector, advance, mqttDevices } = demoMqtt();
    const device = mqttDevices[0]!;
    const s = session(connector, `plant/+/${device}/#`);
    await settle();
    advance(2000);
    expect(s.messages.length).toBeGreaterThan(0);
    expect(s.messages.every((m) => m.topic.split('/')[2] === device && !m.retain)).toBe(true);
    s.stop();
  });

  test('clearing a retained message: the empty retained message goes out, and a new subscriber no longer gets it', async () => {
    const { connector, mqttDevices } = demoMqtt();
    const topic = `tele/${mqttDevices[0]}/LWT`;
    const watcher = session(connector, 'tele/#');
    await settle();
    await connector.clearRetained(topic);
    expect(watcher.messages.at(-1)).toMatchObject({ topic, retain: true });
    expect(watcher.messages.at(-1)?.payload.length).toBe(0);
    const fresh = session(connector, 'tele/#');
    await settle();
    expect(fresh.messages.map((m) => m.topic)).not.toContain(topic);
    expect(fresh.messages).toHaveLength(mqttDevices.length - 1);
    // publishing retained again brings it back
    await connector.publish(topic, 'Offline', { retain: true, qos: 1 });
    const third = session(connector, topic);
    await settle();
    expect(third.messages.map((m) => Buffer.from(m.payload).toString())).toEqual(['Offline']);
  });
});
