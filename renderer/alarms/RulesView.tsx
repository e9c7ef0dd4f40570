/**
 * #/alarms/rules: every rule with what it does in words, how many instances it has and how
 * many are active; a new rule, an edit (#/alarms/rules/<id>), deletion of rules that did
 * not ship with the app.
 */
import { useCallback, useEffect, useState } from 'react';
import type { RuleSummary } from '../../common/alarm-contract';
import { formatAgo } from '../format';
import { hrefFor, navigate } from '../router';
import { engine } from '../rpc/engine';
import { useNow } from '../state/clock';
import { ConfirmDialog } from '../tools/ConfirmDialog';
import { LoadError, type PageStatus, StatusLine } from '../tools/PageNotices';
import { errorMessage } from '../tools/use-poll';
import { RuleEditor } from './RuleEditor';
import { emptyRuleFields, fieldsFromRule } from './rule-form';
import { ruleText } from './rule-summary';

function useRules() {
  const [rules, setRules] = useState<RuleSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(() => {
    engine()
      .request('alarms.rules.list')
      .then(
        (list) => {
          setRules(list);
          setError(null);
        },
        (err: unknown) => setError(errorMessage(err)),
      );
  }, []);
  useEffect(reload, [reload]);
  return { rules, error, reload };
}

function RuleRow({ summary, onDelete }: { summary: RuleSummary; onDelete(): void }) {
  const now = useNow();
  const { rule } = summary;
  return (
    <tr data-testid="rule-row" data-rule={rule.id}>
      <td>
        <a href={hrefFor({ name: 'alarm-rules', ruleId: rule.id })}>{rule.name}</a>
        <div className="muted small mono">{rule.id}</div>
      </td>
      <td className="rule-text">{ruleText(rule)}</td>
      <td>
        {rule.mode}
        {!rule.enabled && <div className="muted small">disabled</div>}
        {summary.builtIn && <div className="muted small">built in</div>}
      </td>
      <td className="num">
        {summary.active} / {summary.instances}
      </td>
      <td className="nowrap">
        v{summary.version} · {formatAgo(summary.updatedAt, now)}
      </td>
      <td>
        {!summary.builtIn && (
          <button type="button" className="small-button" onClick={onDelete}>
            Delete
          </button>
        )}
      </td>
    </tr>
  );
}

export function RulesView({ ruleId }: { ruleId: string | null }) {
  const { rules, error, reload } = useRules();
  const [creating, setCreating] = useState(false);
  const [status, setStatus] = useState<PageStatus>(null);
  const [deleting, setDeleting] = useState<RuleSummary | null>(null);
  const [deleteBusy, setDeleteBusy] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const editing = ruleId === null ? null : (rules?.find((r) => r.rule.id === ruleId) ?? null);

  const remove = (summary: RuleSummary) => {
    setDeleteBusy(true);
    setDeleteError(null);
    engine()
      .request('alarms.rules.delete', { ruleId: summary.rule.id })
      .then(
        () => {
          setDeleteBusy(false);
          setDeleting(null);
          setStatus({ kind: 'ok', text: `Deleted “${summary.rule.name}”.` });
          if (ruleId === summary.rule.id) navigate({ name: 'alarm-rules', ruleId: null });
          reload();
        },
        (err: unknown) => {
          setDeleteBusy(false);
          setDeleteError(errorMessage(err));
        },
      );
  };

  return (
    <section className="page rules-page" data-testid="rules-page">
      <div className="page-head">
        <a className="back" href={hrefFor({ name: 'alarms' })}>
          ← Alarms
        </a>
        <h1>Alarm rules</h1>
        <button
          type="button"
          className="primary"
          data-testid="rule-new"
          onClick={() => {
            setCreating(true);
            if (ruleId !== null) navigate({ name: 'alarm-rules', ruleId: null });
          }}
        >
          New rule
        </button>
      </div>
      <StatusLine status={status} testId="rules-status" />
      <LoadError what="the rules" error={error} onRetry={reload} />
      {creating && ruleId === null && (
        <RuleEditor
          key="new"
          isNew
          initial={emptyRuleFields()}
          onClose={() => setCreating(false)}
          onSaved={(summary) => {
            setCreating(false);
            setStatus({ kind: 'ok', text: `Created “${summary.rule.name}”.` });
            reload();
            navigate({ name: 'alarm-rules', ruleId: summary.rule.id });
          }}
        />
      )}
      {ruleId !== null && rules !== null && !editing && (
        <p className="notice notice-warn">There is no rule “{ruleId}”.</p>
      )}
      {editing && (
        <RuleEditor
          key={`${editing.rule.id}@${editing.version}`}
          isNew={false}
          initial={fieldsFromRule(editing.rule)}
          onClose={() => navigate({ name: 'alarm-rules', ruleId: null })}
          onSaved={() => reload()}
        />
      )}
      {rules !== null && rules.length === 0 && <p className="empty">No rules yet. “New rule” makes one.</p>}
      {rules !== null && rules.length > 0 && (
        <div className="table-box">
          <table className="grid rules-table" data-testid="rules-table">
            <thead>
              <tr>
                <th>Rule</th>
                <th>What it does</th>
                <th>Mode</th>
                <th className="num">Active / instances</th>
                <th>Version</th>
                <th>
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rules.map((r) => (
                <RuleRow
                  key={r.rule.id}
                  summary={r}
                  onDelete={() => {
                    setDeleteError(null);
                    setDeleting(r);
                  }}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete “${deleting.rule.name}”?`}
          confirmLabel="Delete rule"
          busyLabel="Deleting…"
          busy={deleteBusy}
          error={deleteError}
          onConfirm={() => remove(deleting)}
          onCancel={() => setDeleting(null)}
          testId="rule-delete-dialog"
        >
          <p>
            Its {deleting.instances} alarm instance{deleting.instances === 1 ? '' : 's'} end; the journal
            keeps their history.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
