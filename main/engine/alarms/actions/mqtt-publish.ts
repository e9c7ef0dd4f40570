/**
 * The `mqtt-publish` action: a templated message through one of the engine's MQTT
 * connectors (a stack light, a siren, another system's topic).
 */
import type { Action } from '../../../../common/alarm-contract';
import type { Connector } from '../../connectors/connector';
import type { MqttConnector } from '../../connectors/mqtt/mqtt-connector';
import type { AlarmNotice } from '../alarm-notices';
import { type Attempt, PUBLISH_TIMEOUT_MS, withTimeout } from './attempt';
import { fillPayload, fillTopic, noticeFields } from './templating';

export type MqttPublishAction = Extract<Action, { kind: 'mqtt-publish' }>;

export async function mqttPublish(
  action: MqttPublishAction,
  notice: AlarmNotice,
  connector: (id: string) => Connector | undefined,
): Promise<Attempt> {
  const fields = noticeFields(notice);
  const topic = fillTopic(action.topic, fields);
  if ('error' in topic)
    return { outcome: 'refused', target: action.topic, detail: `refused: ${topic.error}` };
  const target = `${action.connectorId}: ${topic.topic}`;
  const payload = fillPayload(action.payload, fields);
  if ('error' in payload) return { outcome: 'refused', target, detail: `refused: ${payload.error}` };
  const c = connector(action.connectorId);
  if (!c || !('publish' in c)) {
    return { outcome: 'refused', target, detail: `refused: no MQTT connector "${action.connectorId}"` };
  }
  const bytes = Buffer.byteLength(payload.text);
  if (action.dryRun) return { outcome: 'dry-run', target, detail: `would publish ${bytes} bytes` };
  if (c.status().state !== 'connected') {
    return { outcome: 'retry', target, detail: `${action.connectorId} is ${c.status().state}` };
  }
  try {
    await withTimeout(
      (c as MqttConnector).publish(topic.topic, payload.text, { qos: action.qos, retain: action.retain }),
      PUBLISH_TIMEOUT_MS,
      `the publish to ${topic.topic}`,
    );
  } catch (error) {
    return { outcome: 'retry', target, detail: (error as Error).message };
  }
  return { outcome: 'done', target, detail: `published ${bytes} bytes` };
}
