/**
 * MQTT topics as a tree by level ("plant/north/pump-1/flow" → plant › north › pump-1 ›
 * flow), each node with the message count and retained topics of everything under it.
 */
export interface TopicInfo {
  topic: string;
  messages: number;
  /** the broker holds a retained message on this topic */
  retained: boolean;
}

export interface TopicNode {
  /** the level's own name ("" for a leading or doubled slash) */
  name: string;
  /** the full topic up to and including this level */
  path: string;
  /** messages on this exact topic plus every topic below it */
  messages: number;
  /** retained topics at and below this level */
  retained: number;
  /** set when a message arrived on exactly this topic */
  info: TopicInfo | null;
  children: TopicNode[];
}

/** deeper levels are shown as one node, so a hostile 30,000-level topic cannot blow the page's stack */
export const MAX_TREE_DEPTH = 24;

function treeLevels(topic: string): string[] {
  const levels = topic.split('/');
  if (levels.length <= MAX_TREE_DEPTH) return levels;
  return [...levels.slice(0, MAX_TREE_DEPTH - 1), levels.slice(MAX_TREE_DEPTH - 1).join('/')];
}

export function buildTopicTree(topics: readonly TopicInfo[]): TopicNode[] {
  const root: TopicNode = { name: '', path: '', messages: 0, retained: 0, info: null, children: [] };
  const index = new Map<string, TopicNode>();
  for (const t of topics) {
    const levels = treeLevels(t.topic);
    let node = root;
    levels.forEach((name, i) => {
      const path = levels.slice(0, i + 1).join('/');
      let child = index.get(path);
      if (!child) {
        child = { name, path, messages: 0, retained: 0, info: null, children: [] };
        index.set(path, child);
        node.children.push(child);
      }
      child.messages += t.messages;
      if (t.retained) child.retained++;
      node = child;
    });
    node.info = t;
  }
  const sort = (nodes: TopicNode[]) => {
    // dev-9 before dev-10, as a technician counts
    nodes.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
    for (const n of nodes) sort(n.children);
  };
  sort(root.children);
  return root.children;
}
