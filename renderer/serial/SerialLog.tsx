/**
 * The scrolling log. It follows the newest line only while the user is at the bottom:
 * scrolling up to read something stops the jumping without having to press pause.
 * In the lines view, firmware log lines are coloured by level and can be filtered.
 */
import { useLayoutEffect, useMemo, useRef } from 'react';
import { filterLines, type LineFilter, monitorLines } from '../tools/serial-lines';
import { formatLogTime, type LogChunk, toHex, toVisibleText } from '../tools/serial-log';

export type SerialView = 'text' | 'hex' | 'lines';

interface Props {
  log: readonly LogChunk[];
  view: SerialView;
  filter?: LineFilter;
}

export function SerialLog({ log, view, filter = 'all' }: Props) {
  const boxRef = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs after each new batch of lines
  useLayoutEffect(() => {
    const box = boxRef.current;
    if (box && atBottom.current) box.scrollTop = box.scrollHeight;
  }, [log, view, filter]);
  return (
    <div
      ref={boxRef}
      className="serial-log mono"
      data-testid="serial-log"
      role="log"
      aria-live="off"
      onScroll={(e) => {
        const box = e.currentTarget;
        atBottom.current = box.scrollHeight - box.scrollTop - box.clientHeight < 8;
      }}
    >
      {log.length === 0 && <div className="muted">Nothing received or sent yet.</div>}
      {view === 'lines' ? (
        <Lines log={log} filter={filter} />
      ) : (
        log.map((c) => (
          <div key={c.seq} className={`serial-line serial-${c.direction}`}>
            <span className="serial-ts">{formatLogTime(c.ts)}</span>
            <span className="serial-dir">{c.direction === 'rx' ? '←' : '→'}</span>
            <span className="serial-data">{view === 'hex' ? toHex(c.bytes) : toVisibleText(c.bytes)}</span>
          </div>
        ))
      )}
    </div>
  );
}

function Lines({ log, filter }: { log: readonly LogChunk[]; filter: LineFilter }) {
  const lines = useMemo(() => filterLines(monitorLines(log), filter), [log, filter]);
  return lines.map((l) => (
    <div
      key={l.key}
      className={`serial-line serial-${l.direction}${l.log ? ` serial-log-line serial-level-${l.log.level}` : ''}`}
      data-testid={l.log ? 'serial-log-line' : 'serial-data-line'}
      data-level={l.log?.level}
    >
      <span className="serial-ts">{formatLogTime(l.ts)}</span>
      <span className="serial-dir">{l.direction === 'rx' ? '←' : '→'}</span>
      {l.log && <span className="serial-level">{l.log.level}</span>}
      <span className="serial-data">{l.text}</span>
    </div>
  ));
}
