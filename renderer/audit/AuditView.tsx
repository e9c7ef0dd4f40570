/**
 * The audit log: newest first, a page at a time ("Load older" follows nextBeforeSeq),
 * filtered by subject, actor or action; the hash chain verified on demand; the whole log
 * exported as JSON lines or CSV, each line carrying its hashes so the file verifies alone.
 */
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import type { AuditEntryView } from '../../common/registry-contract';
import { FileButtons } from '../export/FileButtons';
import { formatCount } from '../format';
import { engine } from '../rpc/engine';
import { LoadError } from '../tools/PageNotices';
import { errorMessage } from '../tools/use-poll';
import { AuditEntries } from './AuditEntries';
import { auditFilterParams } from './audit-format';

const PAGE = 100;

interface Filters {
  subject: string;
  actor: string;
  action: string;
}

type Verify =
  | { state: 'idle' }
  | { state: 'running' }
  | { state: 'done'; ok: boolean; checked: number; firstBadSeq?: number; reason?: string; headHash: string }
  | { state: 'error'; message: string };

function VerifyChain() {
  const [verify, setVerify] = useState<Verify>({ state: 'idle' });
  const run = () => {
    setVerify({ state: 'running' });
    engine()
      .request('audit.verify')
      .then(
        (r) => setVerify({ state: 'done', ...r }),
        (e: unknown) => setVerify({ state: 'error', message: errorMessage(e) }),
      );
  };
  return (
    <div className="toolbar">
      <button type="button" onClick={run} disabled={verify.state === 'running'} data-testid="audit-verify">
        {verify.state === 'running' ? 'Verifying…' : 'Verify chain'}
      </button>
      {verify.state === 'done' &&
        (verify.ok ? (
          <span className="form-ok" role="status" data-testid="audit-verify-result">
            ✓ Chain intact: {formatCount(verify.checked)} {verify.checked === 1 ? 'entry' : 'entries'}{' '}
            checked, head <span className="mono">{verify.headHash.slice(0, 16)}…</span>
          </span>
        ) : (
          <span className="form-error" role="alert" data-testid="audit-verify-result">
            ✗ Chain broken at entry #{verify.firstBadSeq ?? '?'}
            {verify.reason ? `: ${verify.reason}` : ''} ({formatCount(verify.checked)} checked)
          </span>
        ))}
      {verify.state === 'error' && (
        <span className="form-error" role="alert">
          Could not verify: {verify.message}
        </span>
      )}
    </div>
  );
}

const EXPORTS = [
  { format: 'jsonl', label: 'Export JSONL', testId: 'audit-export-jsonl' },
  { format: 'csv', label: 'Export CSV', testId: 'audit-export-csv' },
] as const;

function ExportButtons() {
  return (
    <FileButtons
      choices={EXPORTS}
      fetchFile={(format) => engine().request('audit.export', { format })}
      busyLabel="Exporting…"
      errorPrefix="Export failed: "
    />
  );
}

export function AuditView() {
  const [fields, setFields] = useState<Filters>({ subject: '', actor: '', action: '' });
  const [applied, setApplied] = useState<Filters>(fields);
  const [entries, setEntries] = useState<AuditEntryView[]>([]);
  const [next, setNext] = useState<number | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback((filters: Filters, beforeSeq?: number) => {
    setLoading(true);
    setError(null);
    engine()
      .request('audit.list', {
        ...auditFilterParams(filters),
        limit: PAGE,
        ...(beforeSeq ? { beforeSeq } : {}),
      })
      .then(
        (page) => {
          setEntries((old) => (beforeSeq ? [...old, ...page.entries] : page.entries));
          setNext(page.nextBeforeSeq);
        },
        (e: unknown) => setError(errorMessage(e)),
      )
      .finally(() => setLoading(false));
  }, []);

  useEffect(() => load(applied), [applied, load]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setApplied({ ...fields });
  };

  return (
    <section className="page" data-testid="audit-view">
      <div className="page-head">
        <h1>Audit log</h1>
        <span className="muted">
          {loading ? 'loading…' : `${formatCount(entries.length)} shown, newest first`}
        </span>
      </div>
      <div className="toolbar">
        <VerifyChain />
        <ExportButtons />
      </div>
      <form className="inline-form audit-filter" onSubmit={submit}>
        {(['subject', 'actor', 'action'] as const).map((name) => (
          <input
            key={name}
            type="search"
            placeholder={name}
            aria-label={`Filter by ${name}`}
            value={fields[name]}
            onChange={(e) => setFields((f) => ({ ...f, [name]: e.target.value }))}
          />
        ))}
        <button type="submit">Filter</button>
        <button
          type="button"
          onClick={() => {
            const empty = { subject: '', actor: '', action: '' };
            setFields(empty);
            setApplied(empty);
          }}
        >
          Clear
        </button>
      </form>
      <LoadError what="the audit log" error={error} onRetry={() => load(applied)} />
      <AuditEntries entries={entries} />
      {!loading && entries.length === 0 && !error && <p className="empty">No audit entries match.</p>}
      {next !== undefined && (
        <button type="button" className="small-button" disabled={loading} onClick={() => load(applied, next)}>
          {loading ? 'Loading…' : 'Load older'}
        </button>
      )}
    </section>
  );
}
