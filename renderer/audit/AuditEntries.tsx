/** Audit entries as a table: newest first, the change as a short list, full values on demand. */
import type { AuditEntryView } from '../../common/registry-contract';
import { formatDateTime } from '../format';
import { changeLines } from './audit-format';

function Change({ entry }: { entry: AuditEntryView }) {
  const lines = changeLines(entry.before, entry.after);
  if (lines.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="audit-change">
      {lines.map((line) => (
        <li key={line.key ?? ''}>
          {line.key !== null && <span className="mono">{line.key}: </span>}
          <span className="audit-before mono">{line.before}</span> →{' '}
          <span className="audit-after mono">{line.after}</span>
        </li>
      ))}
    </ul>
  );
}

export function AuditEntries({
  entries,
  showSubject = true,
}: {
  entries: readonly AuditEntryView[];
  showSubject?: boolean;
}) {
  return (
    <table className="grid audit-table" data-testid="audit-table">
      <thead>
        <tr>
          <th className="num">#</th>
          <th>When</th>
          <th>Who</th>
          <th>Action</th>
          {showSubject && <th>Subject</th>}
          <th>Change</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((e) => (
          <tr key={e.seq} data-testid="audit-row" data-seq={e.seq}>
            <td className="num mono">{e.seq}</td>
            <td className="nowrap">{formatDateTime(e.at)}</td>
            <td>{e.actor}</td>
            <td className="mono">{e.action}</td>
            {showSubject && <td className="mono">{e.subject}</td>}
            <td>
              <Change entry={e} />
              <details className="audit-raw">
                <summary className="small muted">full entry</summary>
                <pre className="payload">
                  {JSON.stringify(
                    { before: e.before, after: e.after, prevHash: e.prevHash, hash: e.hash },
                    null,
                    2,
                  )}
                </pre>
              </details>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
