/**
 * The alarm rows, selectable by mouse (click toggles, the box too) and keyboard (arrows
 * move, Space ticks, Shift+arrows extend, Ctrl+A takes all, Enter shows the history).
 * The table body is one tab stop; the focused row carries the focus inside it.
 */
import { type KeyboardEvent, useEffect, useRef } from 'react';
import type { AlarmInstance } from '../../common/alarm-contract';
import { formatAgo, formatDateTime, formatValue } from '../format';
import { hrefFor } from '../router';
import { useNow } from '../state/clock';
import { type Selection, selectionKey, toggleKey } from './alarm-selection';
import { isUnacknowledged, severityWord, stateWithUnderlying } from './alarm-words';

function StateCell({ alarm }: { alarm: AlarmInstance }) {
  return (
    <td>
      <span className={isUnacknowledged(alarm.state) ? 'alarm-state alarm-unack' : 'alarm-state'}>
        {stateWithUnderlying(alarm.state, alarm.underlying)}
      </span>
      {alarm.shelvedUntil !== null && (
        <div className="muted small">
          until {formatDateTime(alarm.shelvedUntil)}
          {alarm.shelveReason && `: ${alarm.shelveReason}`}
        </div>
      )}
      {alarm.ackedBy && <div className="muted small">acknowledged by {alarm.ackedBy}</div>}
      {alarm.shadow && <span className="badge alarm-tag">shadow</span>}
      {alarm.late && <span className="badge alarm-tag">late data</span>}
    </td>
  );
}

export function AlarmTable({
  alarms,
  selection,
  onSelection,
  onOpen,
}: {
  alarms: readonly AlarmInstance[];
  selection: Selection;
  onSelection(next: Selection): void;
  /** Enter or a double click: show this alarm's history */
  onOpen(key: string): void;
}) {
  const now = useNow();
  const bodyRef = useRef<HTMLTableSectionElement>(null);
  const keys = alarms.map((a) => a.key);
  const focusWithin = useRef(false);

  // the focused row follows the selection model while the keyboard is in the table
  useEffect(() => {
    if (!focusWithin.current || selection.focused === null) return;
    const row = bodyRef.current?.querySelector<HTMLElement>(
      `tr[data-key="${CSS.escape(selection.focused)}"]`,
    );
    row?.focus({ preventScroll: false });
  }, [selection.focused]);

  const onKeyDown = (event: KeyboardEvent<HTMLTableSectionElement>) => {
    if (event.key === 'Enter' && selection.focused !== null) {
      event.preventDefault();
      onOpen(selection.focused);
      return;
    }
    const next = selectionKey(selection, keys, event);
    if (!next) return;
    event.preventDefault();
    onSelection(next);
  };

  return (
    <table className="grid alarm-table" data-testid="alarm-table">
      <thead>
        <tr>
          <th>
            <span className="visually-hidden">Selected</span>
          </th>
          <th>Device</th>
          <th>Rule</th>
          <th>State</th>
          <th>Severity</th>
          <th>Since</th>
          <th className="num">Value</th>
        </tr>
      </thead>
      <tbody
        ref={bodyRef}
        onKeyDown={onKeyDown}
        onFocus={() => {
          focusWithin.current = true;
        }}
        onBlur={(e) => {
          if (!e.currentTarget.contains(e.relatedTarget as Node | null)) focusWithin.current = false;
        }}
      >
        {alarms.map((a, i) => {
          const selected = selection.selected.has(a.key);
          const focused = selection.focused === a.key || (selection.focused === null && i === 0);
          return (
            <tr
              key={a.key}
              data-key={a.key}
              data-testid="alarm-row"
              data-state={a.state}
              className={`clickable alarm-row alarm-sev-${a.severity ?? 'none'}${selected ? ' selected' : ''}`}
              aria-selected={selected}
              tabIndex={focused ? 0 : -1}
              onClick={() => onSelection(toggleKey(selection, a.key))}
              onFocus={() => {
                if (selection.focused !== a.key) onSelection({ ...selection, focused: a.key });
              }}
              onDoubleClick={() => onOpen(a.key)}
            >
              <td>
                <input
                  type="checkbox"
                  tabIndex={-1}
                  checked={selected}
                  aria-label={`Select ${a.ruleName} on ${a.deviceId}`}
                  onClick={(e) => e.stopPropagation()}
                  onChange={() => onSelection(toggleKey(selection, a.key))}
                />
              </td>
              <td>
                <a
                  href={hrefFor({ name: 'device', deviceId: a.deviceId })}
                  onClick={(e) => e.stopPropagation()}
                >
                  {a.deviceId}
                </a>
                {a.metric && <div className="muted small">{a.metric}</div>}
              </td>
              <td>
                <a
                  href={hrefFor({ name: 'alarm-rules', ruleId: a.ruleId })}
                  onClick={(e) => e.stopPropagation()}
                >
                  {a.ruleName}
                </a>
                {a.comments.length > 0 && (
                  <div className="muted small" title={a.comments.at(-1)?.text}>
                    {a.comments.length} comment{a.comments.length === 1 ? '' : 's'}
                  </div>
                )}
              </td>
              <StateCell alarm={a} />
              <td>
                <span className={`badge alarm-sev alarm-sev-${a.severity ?? 'none'}`}>
                  {severityWord(a.severity)}
                </span>
              </td>
              <td className="nowrap" title={a.since === null ? undefined : formatDateTime(a.since)}>
                {formatAgo(a.since, now)}
              </td>
              <td className="num">{formatValue(a.value)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
