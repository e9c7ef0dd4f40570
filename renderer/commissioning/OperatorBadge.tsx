/** Who is at the keyboard, in the header; click to change. Starts the operator sync. */
import { useEffect, useState } from 'react';
import { engine } from '../rpc/engine';
import { startOperatorSync, useOperator } from '../state/operator';
import { OperatorPrompt } from './OperatorPrompt';

export function OperatorBadge() {
  const name = useOperator((s) => s.name);
  const [editing, setEditing] = useState(false);
  useEffect(() => startOperatorSync(engine()), []);
  if (name === null) return null;
  return (
    <span className="operator">
      <button
        type="button"
        className="operator-button"
        onClick={() => setEditing((e) => !e)}
        aria-expanded={editing}
        title="Recorded on every change and commissioning report"
        data-testid="operator-badge"
      >
        {name === '' ? 'Who is this?' : `Operator: ${name}`}
      </button>
      {editing && (
        <div
          className="operator-popover"
          role="dialog"
          aria-label="Operator name"
          onKeyDown={(e) => {
            if (e.key === 'Escape') setEditing(false);
          }}
        >
          <OperatorPrompt autoFocus onDone={() => setEditing(false)} />
        </div>
      )}
    </span>
  );
}
