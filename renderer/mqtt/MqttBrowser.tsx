/**
 * The MQTT topic browser (#/mqtt/<id>): every topic the connector has seen, asked for
 * once a second, as a tree; the selected topic's last payload; a publish panel.
 */
import { useMemo, useState } from 'react';
import { engine } from '../rpc/engine';
import { useConnectors } from '../state/connectors';
import { buildTopicTree } from '../tools/topic-tree';
import { usePoll } from '../tools/use-poll';
import { ConnectorHeader } from '../views/ConnectorHeader';
import { PublishForm } from './PublishForm';
import { TopicDetail } from './TopicDetail';
import { TopicTree } from './TopicTree';

const TOPIC_POLL_MS = 1000;

export function MqttBrowser({ connectorId }: { connectorId: string }) {
  const connector = useConnectors((s) => s.connectors.find((c) => c.id === connectorId));
  const topics = usePoll(() => engine().request('mqtt.topics', { connectorId }), TOPIC_POLL_MS, connectorId);
  const [selected, setSelected] = useState<string | null>(null);
  const tree = useMemo(() => buildTopicTree(topics.data ?? []), [topics.data]);
  const info = topics.data?.find((t) => t.topic === selected) ?? null;
  return (
    <section className="page" data-testid="mqtt-browser">
      <ConnectorHeader title="Topics" connectorId={connectorId} connector={connector} expectKind="mqtt" />
      {topics.error && <div className="notice notice-error">Could not list topics: {topics.error}</div>}
      <div className="split">
        <div className="split-side">
          <div className="muted small">
            {topics.data === null ? 'loading…' : `${topics.data.length} topics`}
          </div>
          <TopicTree nodes={tree} selected={selected} onSelect={setSelected} />
        </div>
        <div className="split-main">
          {selected !== null ? (
            <TopicDetail topic={selected} info={info} />
          ) : (
            <p className="muted">Select a topic to see its last message.</p>
          )}
          <PublishForm connectorId={connectorId} initialTopic={selected} />
        </div>
      </div>
    </section>
  );
}
