/**
 * One message's payload: raw (text, or hex for binary), JSON pretty-printed, JSON as a
 * tree, or a line diff of its pretty JSON (or text) against the message before it.
 */
import { useState } from 'react';
import { BROWSE_PAYLOAD_BYTES, type BrowsedMessage } from '../../common/mqtt-browse-contract';
import { parseJson, prettyJson, stringifyPretty } from '../tools/json-fields';
import { diffLines } from '../tools/line-diff';
import { JsonTree } from './JsonTree';
import { payloadText } from './message-text';

type View = 'raw' | 'pretty' | 'tree' | 'diff';
const VIEWS: { id: View; label: string }[] = [
  { id: 'raw', label: 'Raw' },
  { id: 'pretty', label: 'JSON' },
  { id: 'tree', label: 'Tree' },
  { id: 'diff', label: 'Diff vs previous' },
];

/** the form a diff compares: pretty JSON when it parses, else the text, else hex */
function comparable(m: BrowsedMessage): string {
  const { text, hex } = payloadText(m);
  return prettyJson(text) ?? text ?? hex;
}

export function PayloadView({
  message,
  previous,
}: {
  message: BrowsedMessage;
  previous: BrowsedMessage | null;
}) {
  const [view, setView] = useState<View>('pretty');
  const { text, hex } = payloadText(message);
  const json = parseJson(text);
  const pretty = json === undefined ? null : stringifyPretty(json);
  const available = (v: View) => v === 'raw' || (v === 'diff' ? previous !== null : pretty !== null);
  const shown: View = available(view) ? view : 'raw';
  const truncated = message.size > BROWSE_PAYLOAD_BYTES;
  return (
    <div className="payload-view" data-testid="payload-view" data-view={shown}>
      <fieldset className="segmented" aria-label="Payload view">
        {VIEWS.map((v) => (
          <button
            key={v.id}
            type="button"
            className="small-button"
            aria-pressed={shown === v.id}
            disabled={!available(v.id)}
            data-testid={`payload-view-${v.id}`}
            onClick={() => setView(v.id)}
          >
            {v.label}
          </button>
        ))}
      </fieldset>
      {truncated && <p className="muted small">Only the first 64 KiB of this payload are kept.</p>}
      {shown === 'raw' && (
        <pre className="payload mono" data-testid="topic-payload">
          {message.size === 0 ? '(empty payload)' : (text ?? hex)}
        </pre>
      )}
      {shown === 'pretty' && (
        <pre className="payload mono" data-testid="topic-payload-json">
          {pretty}
        </pre>
      )}
      {shown === 'tree' && <JsonTree value={json} />}
      {shown === 'diff' && previous && (
        <pre className="payload mono diff" data-testid="topic-payload-diff">
          {diffLines(comparable(previous), comparable(message)).map((line, i) => (
            <div
              // biome-ignore lint/suspicious/noArrayIndexKey: lines have no identity beyond their place
              key={i}
              className={`diff-${line.kind}`}
            >
              {line.kind === 'added' ? '+ ' : line.kind === 'removed' ? '- ' : '  '}
              {line.text}
            </div>
          ))}
        </pre>
      )}
    </div>
  );
}
