/** The selected topic's last payload (text when printable, else hex), its size and time. */
import { useState } from 'react';
import { formatBytes, formatCount, formatDateTime } from '../format';
import type { TopicInfo } from '../tools/topic-tree';

export function TopicDetail({ topic, info }: { topic: string; info: TopicInfo | null }) {
  const [hex, setHex] = useState(false);
  if (!info) {
    return (
      <div className="topic-detail" data-testid="topic-detail">
        <h2 className="mono">{topic}</h2>
        <p className="muted">No message on exactly this topic; pick one below it.</p>
      </div>
    );
  }
  const showHex = hex || info.previewText === null;
  return (
    <div className="topic-detail" data-testid="topic-detail">
      <h2 className="mono">{topic}</h2>
      <p className="muted small">
        {formatCount(info.messages)} messages · last {formatBytes(info.lastSize)} at{' '}
        {formatDateTime(info.lastAt, true)}
        {info.lastSize > 256 && ' (first 256 bytes shown)'}
      </p>
      <button
        type="button"
        aria-pressed={showHex}
        disabled={info.previewText === null}
        onClick={() => setHex(!hex)}
      >
        {showHex ? 'Show text' : 'Show hex'}
      </button>
      <pre className="payload mono" data-testid="topic-payload">
        {showHex ? info.previewHex : info.previewText}
      </pre>
    </div>
  );
}
