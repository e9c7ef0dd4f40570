/**
 * The MQTT topic browser (#/mqtt/<id>): a browse session on any filter (the connector's
 * own to start with; '#' and '$SYS/#' too), separate from the connector's subscriptions; the topics as a tree
 * with counts and retained markers; the selected topic's messages; a publish panel.
 * Everything kept is bounded (see use-topic-browse), and a failure is said in words.
 */
import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { topicFilterProblem } from '../../common/mqtt-topic-filter';
import { formatBytes, formatCount } from '../format';
import { engine } from '../rpc/engine';
import { useConnectors } from '../state/connectors';
import { buildTopicTree } from '../tools/topic-tree';
import { ConnectorHeader } from '../views/ConnectorHeader';
import { PublishForm } from './PublishForm';
import { TopicDetail } from './TopicDetail';
import { TopicTree } from './TopicTree';
import { type BrowseView, useTopicBrowse } from './use-topic-browse';

const EVERYTHING = '#';
/** beyond this many topics the tree starts with only its first level open */
const BIG_TREE_TOPICS = 300;

/** the connector's own filter when it has exactly one, else everything */
function useOwnFilters(connectorId: string): { filters: string[]; start: string | null } {
  const [own, setOwn] = useState<{ filters: string[]; start: string | null }>({ filters: [], start: null });
  useEffect(() => {
    let live = true;
    setOwn({ filters: [], start: null });
    engine()
      .request('mqtt.ownFilters', { connectorId })
      .then(
        ({ filters }) => {
          if (live) setOwn({ filters, start: filters.length === 1 ? (filters[0] as string) : EVERYTHING });
        },
        // the browse stream says what is wrong with the connector in its own words
        () => {
          if (live) setOwn({ filters: [], start: EVERYTHING });
        },
      );
    return () => {
      live = false;
    };
  }, [connectorId]);
  return own;
}

function BrowseStatus({ view, filter }: { view: BrowseView; filter: string }) {
  const { history } = view;
  if (view.state === 'error') {
    return (
      <div className="notice notice-error" role="alert" data-testid="browse-error">
        Cannot browse {filter}: {view.error ?? 'unknown error'}
      </div>
    );
  }
  return (
    <div
      className="muted small"
      data-testid="browse-status"
      data-state={view.state}
      data-topics={history.size}
      data-messages={view.received}
    >
      {view.state === 'subscribing'
        ? `subscribing to ${filter}…`
        : `${formatCount(history.size)} topics · ${formatBytes(history.totalBytes)} kept`}
      {history.droppedTopics > 0 && ` · ${formatCount(history.droppedTopics)} older topics let go`}
      {view.dropped > 0 && ` · ${formatCount(view.dropped)} messages skipped (too fast)`}
    </div>
  );
}

export function MqttBrowser({ connectorId }: { connectorId: string }) {
  const own = useOwnFilters(connectorId);
  return (
    <section className="page" data-testid="mqtt-browser">
      {own.start === null ? (
        <>
          <BrowserHeader connectorId={connectorId} />
          <div className="muted small" data-testid="browse-status" data-state="loading">
            looking up the connector's subscriptions…
          </div>
        </>
      ) : (
        <BrowseSession key={connectorId} connectorId={connectorId} start={own.start} own={own.filters} />
      )}
    </section>
  );
}

function BrowserHeader({ connectorId }: { connectorId: string }) {
  const connector = useConnectors((s) => s.connectors.find((c) => c.id === connectorId));
  return <ConnectorHeader title="Topics" connectorId={connectorId} connector={connector} expectKind="mqtt" />;
}

function BrowseSession({ connectorId, start, own }: { connectorId: string; start: string; own: string[] }) {
  const [filter, setFilter] = useState(start);
  const [draft, setDraft] = useState(start);
  const draftProblem = topicFilterProblem(draft);
  const view = useTopicBrowse(connectorId, filter);
  const [selected, setSelected] = useState<string | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` says the history changed
  const tree = useMemo(
    () =>
      buildTopicTree(
        [...view.history.records()].map((r) => ({ topic: r.topic, messages: r.count, retained: r.retained })),
      ),
    [view.history, view.version],
  );
  const browse = (event: FormEvent) => {
    event.preventDefault();
    if (draftProblem) return;
    setSelected(null);
    setFilter(draft);
  };
  return (
    <>
      <BrowserHeader connectorId={connectorId} />
      <form className="browse-filter" onSubmit={browse} aria-label="Topic filter">
        <label htmlFor="browse-filter-input">Filter</label>
        <input
          id="browse-filter-input"
          data-testid="browse-filter"
          className="mono"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          aria-invalid={draftProblem !== null}
          aria-describedby="browse-filter-help"
          list="browse-filter-suggestions"
        />
        <datalist id="browse-filter-suggestions">
          {[...new Set([...own, EVERYTHING, '$SYS/#'])].map((f) => (
            <option key={f} value={f} />
          ))}
        </datalist>
        <button
          type="submit"
          className="small-button"
          data-testid="browse-submit"
          disabled={draftProblem !== null}
        >
          Browse
        </button>
        <span id="browse-filter-help" className={draftProblem ? 'form-error small' : 'muted small'}>
          {draftProblem ?? 'any MQTT filter: # for everything, + for one level, $SYS/# for the broker'}
        </span>
      </form>
      <BrowseStatus view={view} filter={filter} />
      <div className="split">
        <div className="split-side">
          <TopicTree
            nodes={tree}
            selected={selected}
            onSelect={setSelected}
            openDepth={view.history.size > BIG_TREE_TOPICS ? 1 : Number.POSITIVE_INFINITY}
          />
        </div>
        <div className="split-main">
          {selected !== null ? (
            <TopicDetail
              key={selected}
              connectorId={connectorId}
              topic={selected}
              record={view.history.get(selected)}
              version={view.version}
            />
          ) : (
            <p className="muted">Select a topic to see its messages.</p>
          )}
          <PublishForm connectorId={connectorId} initialTopic={selected} />
        </div>
      </div>
    </>
  );
}
