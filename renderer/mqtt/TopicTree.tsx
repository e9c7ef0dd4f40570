/**
 * The topic tree: one row per level with the messages under it; R marks a retained
 * message (on a level: how many retained topics are below it). The arrow button opens
 * and closes a level, the name button selects it; both are plain buttons, so Tab and
 * Enter work. A small tree starts open, so a new topic shows the moment it arrives; a big
 * one starts folded below its first levels, so it stays quick.
 */
import { useState } from 'react';
import { formatCount } from '../format';
import type { TopicNode } from '../tools/topic-tree';

interface Props {
  nodes: readonly TopicNode[];
  selected: string | null;
  onSelect(topic: string): void;
  /** levels shallower than this start open; a big tree starts folded so it stays quick */
  openDepth?: number;
}

export function TopicTree({ nodes, selected, onSelect, openDepth = Number.POSITIVE_INFINITY }: Props) {
  // what the user opened or closed, over the default
  const [toggled, setToggled] = useState<ReadonlyMap<string, boolean>>(new Map());
  const isOpen = (path: string, depth: number) => toggled.get(path) ?? depth < openDepth;
  const toggle = (path: string, depth: number) =>
    setToggled((t) => new Map(t).set(path, !isOpen(path, depth)));
  const render = (list: readonly TopicNode[], depth: number) =>
    list.map((n) => {
      const open = isOpen(n.path, depth);
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
              onClick={() => toggle(n.path, depth)}
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
