/**
 * The selected topic: its kept messages, the chosen one's payload (raw, JSON, tree, diff
 * against the one before), a plot of any numeric field, and clearing its retained message
 * (after a confirm: it deletes the message on the broker for every client).
 */
import { useMemo, useState } from 'react';
import type { BrowsedMessage } from '../../common/mqtt-browse-contract';
import type { TopicRecord } from '../../common/topic-history';
import { formatCount } from '../format';
import { engine } from '../rpc/engine';
import { ConfirmDialog } from '../tools/ConfirmDialog';
import { numericFields, parseJson, pathLabel } from '../tools/json-fields';
import { errorMessage } from '../tools/use-poll';
import { MessageList } from './MessageList';
import { payloadText } from './message-text';
import { PayloadView } from './PayloadView';
import { TopicPlot } from './TopicPlot';

function ClearRetained({ connectorId, topic }: { connectorId: string; topic: string }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const clear = () => {
    setBusy(true);
    setError(null);
    engine()
      .request('mqtt.clearRetained', { connectorId, topic })
      .then(
        () => {
          setBusy(false);
          setAsking(false);
          setDone(true);
        },
        (e: unknown) => {
          setBusy(false);
          setError(errorMessage(e));
        },
      );
  };
  return (
    <>
      <button
        type="button"
        className="small-button danger"
        data-testid="clear-retained"
        onClick={() => {
          setDone(false);
          setAsking(true);
        }}
      >
        Clear retained message
      </button>
      {done && (
        <span className="muted small" role="status">
          {' '}
          Cleared.
        </span>
      )}
      {asking && (
        <ConfirmDialog
          title="Clear the retained message?"
          confirmLabel="Clear it"
          busyLabel="Clearing…"
          busy={busy}
          error={error}
          onConfirm={clear}
          onCancel={() => setAsking(false)}
          testId="clear-retained-dialog"
        >
          <p>
            The broker deletes the retained message on <code>{topic}</code>: devices and apps that subscribe
            later no longer get it. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}

export function TopicDetail({
  connectorId,
  topic,
  record,
  version,
}: {
  connectorId: string;
  topic: string;
  record: TopicRecord<BrowsedMessage> | undefined;
  version: number;
}) {
  const [picked, setPicked] = useState<BrowsedMessage | null>(null);
  const [plotField, setPlotField] = useState('');
  const messages = record?.messages ?? [];
  const latest = messages.at(-1) ?? null;
  // a picked message that has aged out of the history falls back to the newest
  const selected = picked && messages.includes(picked) ? picked : latest;
  const index = selected ? messages.indexOf(selected) : -1;
  const previous = index > 0 ? (messages[index - 1] ?? null) : null;
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` says the newest message changed
  const fields = useMemo(
    () => (latest ? numericFields(parseJson(payloadText(latest).text)) : []),
    [latest, version],
  );
  const plotPath = fields.find((f) => pathLabel(f) === plotField) ?? null;

  if (!record || !latest) {
    return (
      <div className="topic-detail" data-testid="topic-detail">
        <h2 className="mono">{topic}</h2>
        <p className="muted">No message on exactly this topic; pick one below it.</p>
      </div>
    );
  }
  return (
    <div className="topic-detail" data-testid="topic-detail">
      <h2 className="mono">{topic}</h2>
      <p className="muted small">
        {record.count === 1 ? '1 message' : `${formatCount(record.count)} messages`}
        {record.count > messages.length && `, the last ${formatCount(messages.length)} kept`}
        {record.retained && (
          <>
            {' · '}
            <span className="retained-mark" data-testid="topic-retained">
              retained on the broker
            </span>{' '}
            <ClearRetained connectorId={connectorId} topic={topic} />
          </>
        )}
      </p>
      <MessageList messages={messages} selected={selected} onSelect={setPicked} />
      {selected && <PayloadView message={selected} previous={previous} />}
      <div className="topic-plot-head">
        <label>
          Plot{' '}
          <select
            data-testid="plot-field"
            value={plotPath ? plotField : ''}
            onChange={(e) => setPlotField(e.target.value)}
            disabled={fields.length === 0}
          >
            <option value="">{fields.length === 0 ? 'no numeric field' : 'choose a field…'}</option>
            {fields.map((f) => (
              <option key={pathLabel(f)} value={pathLabel(f)}>
                {pathLabel(f)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {plotPath && (
        <TopicPlot key={`${topic}\u0000${plotField}`} messages={messages} version={version} path={plotPath} />
      )}
    </div>
  );
}
