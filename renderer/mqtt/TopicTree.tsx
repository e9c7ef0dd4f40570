/**
 * The topic tree: one row per level with the messages under it; R marks a retained
 * message (on a level: how many retained topics are below it). The arrow button opens
 * and closes a level, the name button selects it; both are plain buttons, so Tab and
 * Enter work. Everything starts open, so a new topic is visible the moment it arrives.
 */
import { useState } from 'react';
import { formatCount } from '../format';
import type { TopicNode } from '../tools/topic-tree';

interface Props {
  nodes: readonly TopicNode[];
  selected: string | null;
  onSelect(topic: string): void;
}

export function TopicTree({ nodes, selected, onSelect }: Props) {
  const [closed, setClosed] = useState<ReadonlySet<string>>(new Set());
  const toggle = (path: string) =>
    setClosed((c) => {
      const next = new Set(c);
      if (!next.delete(path)) next.add(path);
      return next;
    });
  const render = (list: readonly TopicNode[], depth: number) =>
    list.map((n) => {
      const open = !closed.has(n.path);
      const hasChildren = n.children.length > 0;
      return (
        <li key={n.path}>
          <div
            className={`topic-node${selected === n.path ? ' selected' : ''}`}
            data-testid="topic-node"
            data-topic={n.path}
            style={{ paddingLeft: `${depth * 14 + 4}px` }}
          >
            <button
              type="button"
              className="twisty"
              aria-label={hasChildren ? `${open ? 'collapse' : 'expand'} ${n.path}` : undefined}
              aria-hidden={hasChildren ? undefined : true}
              tabIndex={hasChildren ? undefined : -1}
              aria-expanded={hasChildren ? open : undefined}
              disabled={!hasChildren}
              onClick={() => toggle(n.path)}
            >
              {hasChildren ? (open ? '▾' : '▸') : '·'}
            </button>
            <button
              type="button"
              className="topic-select"
              aria-pressed={selected === n.path}
              onClick={() => onSelect(n.path)}
            >
              <span className="topic-name">{n.name === '' ? '(empty)' : n.name}</span>
              {n.info?.retained && (
                <span className="retained-mark" data-testid="retained-marker" title="retained on the broker">
                  R
                </span>
              )}
              <span className="topic-count muted small">
                {formatCount(n.messages)}
                {n.retained > 0 && !n.info?.retained && ` · ${formatCount(n.retained)} R`}
              </span>
            </button>
          </div>
          {hasChildren && open && <ul>{render(n.children, depth + 1)}</ul>}
        </li>
      );
    });
  return (
    <ul className="topic-tree" data-testid="topic-tree" aria-label="Topics">
      {render(nodes, 0)}
    </ul>
  );
}
