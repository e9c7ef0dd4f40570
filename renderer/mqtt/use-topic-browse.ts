/**
 * A browse session for the topic browser: the `mqtt.browse` stream on one filter, its
 * messages kept in a bounded TopicHistory (50 a topic, 10,000 topics, 32 MiB), re-rendered
 * once per batch. A new filter starts a fresh history; an error ends the waiting at once.
 */
import { useEffect, useMemo, useState } from 'react';
import type { BrowsedMessage } from '../../common/mqtt-browse-contract';
import { TopicHistory } from '../../common/topic-history';
import { engine } from '../rpc/engine';

export interface BrowseView {
  history: TopicHistory<BrowsedMessage>;
  /** changes with every batch: what memoized views depend on */
  version: number;
  state: 'subscribing' | 'subscribed' | 'error';
  error: string | null;
  /** messages the engine left out because this page fell behind */
  dropped: number;
  /** messages received in this session */
  received: number;
}

export function useTopicBrowse(connectorId: string, filter: string): BrowseView {
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new session starts a new history
  const history = useMemo(
    () => new TopicHistory<BrowsedMessage>((m) => m.payload.length + m.topic.length),
    [connectorId, filter],
  );
  const [status, setStatus] = useState({
    version: 0,
    state: 'subscribing' as BrowseView['state'],
    error: null as string | null,
    dropped: 0,
    received: 0,
  });
  useEffect(() => {
    setStatus({ version: 0, state: 'subscribing', error: null, dropped: 0, received: 0 });
    return engine().subscribe(
      'mqtt.browse',
      { connectorId, filter },
      (data) => {
        for (const m of data.messages) history.add(m);
        setStatus((s) => ({
          version: s.version + 1,
          state: data.state,
          error: data.error,
          dropped: s.dropped + data.dropped,
          received: s.received + data.messages.length,
        }));
      },
      { onError: (e) => setStatus((s) => ({ ...s, state: 'error', error: e.message })) },
    );
  }, [connectorId, filter, history]);
  return { history, ...status };
}
