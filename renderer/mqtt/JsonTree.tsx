/**
 * A JSON value as a tree: objects and arrays are <details> (open to two levels), so the
 * keyboard opens and closes them like any disclosure; leaves show their value typed.
 */
import type { ReactNode } from 'react';

const MAX_CHILDREN = 500;
/** deeper levels are summarized: a hostile payload nested 10,000 deep must not blow the stack */
const MAX_DEPTH = 64;

function Leaf({ value }: { value: unknown }) {
  const kind = value === null ? 'null' : typeof value;
  return <span className={`json-${kind}`}>{JSON.stringify(value)}</span>;
}

function Node({ name, value, depth }: { name: ReactNode; value: unknown; depth: number }) {
  if (value === null || typeof value !== 'object') {
    return (
      <li>
        <span className="json-key">{name}</span>: <Leaf value={value} />
      </li>
    );
  }
  if (depth >= MAX_DEPTH) {
    return (
      <li>
        <span className="json-key">{name}</span>: <span className="muted">… nested too deep to show</span>
      </li>
    );
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return (
    <li>
      <details open={depth < 2}>
        <summary>
          <span className="json-key">{name}</span>{' '}
          <span className="muted">
            {Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`}
          </span>
        </summary>
        <ul>
          {entries.slice(0, MAX_CHILDREN).map(([k, v]) => (
            <Node key={String(k)} name={k} value={v} depth={depth + 1} />
          ))}
          {entries.length > MAX_CHILDREN && <li className="muted">… {entries.length - MAX_CHILDREN} more</li>}
        </ul>
      </details>
    </li>
  );
}

export function JsonTree({ value }: { value: unknown }) {
  return (
    <ul className="json-tree mono" data-testid="json-tree">
      <Node name="(root)" value={value} depth={0} />
    </ul>
  );
}
