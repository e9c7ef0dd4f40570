/**
 * The scrolling log. It follows the newest line only while the user is at the bottom:
 * scrolling up to read something stops the jumping without having to press pause.
 */
import { useLayoutEffect, useRef } from 'react';
import { formatLogTime, type LogChunk, toHex, toVisibleText } from '../tools/serial-log';

export function SerialLog({ log, view }: { log: readonly LogChunk[]; view: 'text' | 'hex' }) {
  const boxRef = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs after each new batch of lines
  useLayoutEffect(() => {
    const box = boxRef.current;
    if (box && atBottom.current) box.scrollTop = box.scrollHeight;
  }, [log, view]);
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
      {log.map((c) => (
        <div key={c.seq} className={`serial-line serial-${c.direction}`}>
          <span className="serial-ts">{formatLogTime(c.ts)}</span>
          <span className="serial-dir">{c.direction === 'rx' ? '←' : '→'}</span>
          <span className="serial-data">{view === 'hex' ? toHex(c.bytes) : toVisibleText(c.bytes)}</span>
        </div>
      ))}
    </div>
  );
}
