/** Silences: label matchers for a while, settable before the alarm they are meant for exists. */
import { type FormEvent, useState } from 'react';
import { engine } from '../rpc/engine';
import { Field } from '../tools/Field';
import { LoadError, type PageStatus, StatusLine } from '../tools/PageNotices';
import { errorMessage, usePoll } from '../tools/use-poll';
import { POLL_MS } from './poll';

const HOUR = 3_600_000;

export function SilencesPanel() {
  const [version, setVersion] = useState(0);
  const silences = usePoll(() => engine().request('notify.silences.list'), POLL_MS, String(version));
  const [form, setForm] = useState({ label: 'rule', value: '', hours: '2', comment: '' });
  const [status, setStatus] = useState<PageStatus>(null);
  const add = (e: FormEvent) => {
    e.preventDefault();
    const hours = Number(form.hours);
    if (!(hours > 0 && hours <= 720)) {
      setStatus({ kind: 'error', text: 'The duration is a number of hours from 1 to 720' });
      return;
    }
    const now = Date.now();
    engine()
      .request('notify.silences.save', {
        silence: {
          matchers: [{ label: form.label.trim(), op: '=', value: form.value.trim() }],
          startsAt: now,
          endsAt: now + Math.round(hours * HOUR),
          comment: form.comment,
        },
      })
      .then(
        () => {
          setStatus({ kind: 'ok', text: 'Silence saved' });
          setForm({ ...form, value: '', comment: '' });
        },
        (err: unknown) => setStatus({ kind: 'error', text: errorMessage(err) }),
      )
      .finally(() => setVersion((v) => v + 1));
  };
  const remove = (id: string) =>
    engine()
      .request('notify.silences.delete', { id })
      .then(
        () => setStatus({ kind: 'ok', text: 'Silence removed' }),
        (err: unknown) => setStatus({ kind: 'error', text: errorMessage(err) }),
      )
      .finally(() => setVersion((v) => v + 1));
  return (
    <section>
      <h2 className="section-title">Silences</h2>
      <form className="panel" onSubmit={add} data-testid="silence-form">
        <div className="form-grid">
          <Field label="Label" hint="rule, device, site, severity or a rule label">
            <input
              value={form.label}
              onChange={(e) => setForm({ ...form, label: e.target.value })}
              required
            />
          </Field>
          <Field label="Equals">
            <input
              value={form.value}
              onChange={(e) => setForm({ ...form, value: e.target.value })}
              required
            />
          </Field>
          <Field label="For (hours)">
            <input
              value={form.hours}
              onChange={(e) => setForm({ ...form, hours: e.target.value })}
              inputMode="decimal"
            />
          </Field>
          <Field label="Reason">
            <input
              value={form.comment}
              onChange={(e) => setForm({ ...form, comment: e.target.value })}
              required
            />
          </Field>
        </div>
        <StatusLine status={status} testId="silence-status" />
        <div className="form-actions">
          <button type="submit" className="primary-button">
            Add silence
          </button>
        </div>
      </form>
      <LoadError what="the silences" error={silences.error} onRetry={() => setVersion((v) => v + 1)} />
      {silences.data && silences.data.length > 0 && (
        <table className="grid" data-testid="silences">
          <thead>
            <tr>
              <th>Matches</th>
              <th>Until</th>
              <th>Reason</th>
              <th>By</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {silences.data.map((s) => (
              <tr key={s.id}>
                <td className="mono">{s.matchers.map((m) => `${m.label}${m.op}${m.value}`).join(', ')}</td>
                <td>{new Date(s.endsAt).toLocaleString()}</td>
                <td>{s.comment}</td>
                <td>{s.createdBy}</td>
                <td>
                  <button type="button" className="small-button" onClick={() => remove(s.id)}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
