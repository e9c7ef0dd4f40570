/**
 * The `device-write` action: a setpoint or command to a device over its own transport,
 * Sparkplug B (DCMD/NCMD), plain MQTT (the connector's command topic) or its serial line.
 * Refused outside the action's bounds and beyond its rate per device and metric; a dry run
 * goes through every check and sends nothing.
 */
import type { Action } from '../../../../common/alarm-contract';
import type { Connector } from '../../connectors/connector';
import type { MqttConnector } from '../../connectors/mqtt/mqtt-connector';
import type { SerialConnector } from '../../connectors/serial/serial-connector';
import { type Attempt, PUBLISH_TIMEOUT_MS, withTimeout } from './attempt';
import { serialCommandLine } from './serial-command';
import { encodeSparkplugCommand, sparkplugCommandTopic, sparkplugTyped } from './sparkplug-command';
import { unpublishable } from './templating';

export type DeviceWriteAction = Extract<Action, { kind: 'device-write' }>;

export interface DeviceWriteDeps {
  /** the connector a device reports through, from the registry */
  connectorOf(deviceId: string): string | undefined;
  connector(id: string): Connector | undefined;
  /** writes to this device and metric already made (or dry-run) since `since` */
  writesSince(deviceId: string, metric: string, since: number): number;
  now(): number;
}

type Value = DeviceWriteAction['value'];

/** the send itself, or why there is nothing to send; run() is not called for dry runs */
type Plan = { target: string; run: () => Promise<void> } | { target: string; refused: string };

function describe(v: Value): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** `late`: the transition came from back-filled readings, a past the device has left */
export async function deviceWrite(
  action: DeviceWriteAction,
  deps: DeviceWriteDeps,
  late = false,
): Promise<Attempt> {
  const { deviceId, metric, value } = action;
  const name = `${deviceId}/${metric}`;
  if (late) {
    return {
      outcome: 'refused',
      target: name,
      detail:
        'refused: the alarm changed on back-filled (late) readings; a device is not written for the past',
    };
  }
  if (action.bounds) {
    const { min, max } = action.bounds;
    if (typeof value !== 'number') {
      return {
        outcome: 'refused',
        target: name,
        detail: `refused: bounds apply to numbers, not ${describe(value)}`,
      };
    }
    if (value < min || value > max) {
      return {
        outcome: 'refused',
        target: name,
        detail: `refused: ${value} is outside the bounds ${min} to ${max}`,
      };
    }
  }
  const recent = deps.writesSince(deviceId, metric, deps.now() - 60_000);
  if (recent >= action.ratePerMinute) {
    return {
      outcome: 'refused',
      target: name,
      detail: `refused: rate limit, already ${recent} writes to ${name} in the last minute (at most ${action.ratePerMinute})`,
    };
  }
  const connectorId = deps.connectorOf(deviceId);
  if (connectorId === undefined)
    return { outcome: 'refused', target: name, detail: `refused: no device "${deviceId}"` };
  const connector = deps.connector(connectorId);
  if (!connector) {
    return {
      outcome: 'refused',
      target: name,
      detail: `refused: the connector "${connectorId}" of ${deviceId} is gone`,
    };
  }
  const plan = planWrite(connector, deviceId, metric, value, deps.now());
  if ('refused' in plan)
    return { outcome: 'refused', target: plan.target, detail: `refused: ${plan.refused}` };
  if (action.dryRun) {
    return { outcome: 'dry-run', target: plan.target, detail: `would write ${describe(value)} to ${name}` };
  }
  if (connector.status().state !== 'connected') {
    return { outcome: 'retry', target: plan.target, detail: `${connectorId} is ${connector.status().state}` };
  }
  try {
    await withTimeout(plan.run(), PUBLISH_TIMEOUT_MS, `the write to ${name}`);
  } catch (error) {
    return { outcome: 'retry', target: plan.target, detail: (error as Error).message };
  }
  return { outcome: 'done', target: plan.target, detail: `wrote ${describe(value)} to ${name}` };
}

function planWrite(connector: Connector, deviceId: string, metric: string, value: Value, now: number): Plan {
  const kind = connector.status().kind;
  if (kind === 'serial' && 'send' in connector) {
    const serial = connector as SerialConnector;
    const command = serialCommandLine(serial.format, deviceId, metric, value);
    const target = `serial ${connector.id}`;
    if ('error' in command) return { target, refused: command.error };
    return { target, run: () => serial.send(new TextEncoder().encode(command.line)) };
  }
  if (kind === 'mqtt' && 'publish' in connector)
    return planMqtt(connector as MqttConnector, deviceId, metric, value, now);
  return { target: connector.id, refused: `${connector.id} is a ${kind} connector, which takes no writes` };
}

function planMqtt(mqtt: MqttConnector, deviceId: string, metric: string, value: Value, now: number): Plan {
  const spTopic = sparkplugCommandTopic(deviceId);
  if (spTopic !== undefined && mqtt.sparkplugOnline(deviceId) !== undefined) {
    const birth = mqtt.sparkplugBirthMetric(deviceId, metric);
    if (birth?.datatype === undefined) {
      return { target: spTopic, refused: `no BIRTH from ${deviceId} declared the datatype of "${metric}"` };
    }
    const typed = sparkplugTyped(birth.datatype, value);
    if ('error' in typed) return { target: spTopic, refused: typed.error };
    return {
      target: spTopic,
      run: async () => {
        // a command to a node or device that is offline is lost: wait for it instead
        if (mqtt.sparkplugOnline(deviceId) !== true) throw new Error(`${deviceId} is offline`);
        const body = encodeSparkplugCommand(metric, typed.type, typed.value, now);
        await mqtt.publish(spTopic, body, { qos: 0, retain: false });
      },
    };
  }
  const topic = mqtt.commandTopic(deviceId, metric);
  if (topic === undefined) {
    return {
      target: mqtt.id,
      refused: `${mqtt.id} has no command topic for plain MQTT devices and no Sparkplug BIRTH from ${deviceId}`,
    };
  }
  if (unpublishable(topic)) return { target: topic, refused: `"${topic}" is not a topic to publish to` };
  const text = typeof value === 'string' ? value : String(value);
  return { target: topic, run: () => mqtt.publish(topic, text, { qos: 1, retain: false }) };
}
