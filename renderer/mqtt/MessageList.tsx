/**
 * A topic's kept messages, newest first: arrival time, QoS, retain flag, size and MQTT 5
 * properties. A row is a button, so the arrow-free Tab/Enter path picks a message too.
 */
import type { BrowsedMessage, MqttProperties } from '../../common/mqtt-browse-contract';
import { formatBytes, formatDateTime } from '../format';

export function propertySummary(p: MqttProperties): string {
  const parts: string[] = [];
  if (p.contentType) parts.push(`content-type ${p.contentType}`);
  if (p.payloadFormatUtf8 !== undefined) parts.push(p.payloadFormatUtf8 ? 'UTF-8' : 'bytes');
  if (p.messageExpirySec !== undefined) parts.push(`expires in ${p.messageExpirySec} s`);
  if (p.responseTopic) parts.push(`response topic ${p.responseTopic}`);
  if (p.correlationDataHex) parts.push(`correlation ${p.correlationDataHex}`);
  for (const [k, v] of p.userProperties ?? []) parts.push(`${k}=${v}`);
  if (p.subscriptionIds?.length) parts.push(`subscription ${p.subscriptionIds.join(',')}`);
  return parts.join(' · ');
}

export function MessageList({
  messages,
  selected,
  onSelect,
}: {
  messages: readonly BrowsedMessage[];
  selected: BrowsedMessage | null;
  onSelect(m: BrowsedMessage): void;
}) {
  const newestFirst = [...messages].reverse();
  return (
    <div className="message-list">
      <table className="grid" data-testid="message-list">
        <thead>
          <tr>
            <th>Arrived</th>
            <th>QoS</th>
            <th>Retain</th>
            <th className="num">Size</th>
            <th>Properties</th>
          </tr>
        </thead>
        <tbody>
          {newestFirst.map((m, i) => (
            <tr
              // biome-ignore lint/suspicious/noArrayIndexKey: ts and place together identify a kept message
              key={`${m.ts}-${messages.length - i}`}
              className={m === selected ? 'selected' : undefined}
              data-testid="topic-message"
              aria-selected={m === selected}
            >
              <td className="nowrap">
                <button type="button" className="link-button mono" onClick={() => onSelect(m)}>
                  {formatDateTime(m.ts, true)}
                </button>
              </td>
              <td>{m.qos}</td>
              <td>{m.retain ? <span className="retained-mark">retained</span> : ''}</td>
              <td className="num">{formatBytes(m.size)}</td>
              <td className="small">{propertySummary(m.properties)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
