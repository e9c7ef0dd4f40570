/** Recurring mute windows, read in the site's time zone (set under Routing). */
import { type FormEvent, useState } from 'react';
import { engine } from '../rpc/engine';
import { Field } from '../tools/Field';
import { LoadError, type PageStatus, StatusLine } from '../tools/PageNotices';
import { errorMessage, usePoll } from '../tools/use-poll';
import { POLL_MS } from './poll';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

export function MuteWindowsPanel() {
  const [version, setVersion] = useState(0);
  const windows = usePoll(() => engine().request('notify.muteWindows.list'), POLL_MS, String(version));
  const [form, setForm] = useState({ name: '', days: [1, 2, 3, 4, 5], start: '22:00', end: '06:00' });
  const [status, setStatus] = useState<PageStatus>(null);
  const done = (text: string) => () => {
    setStatus({ kind: 'ok', text });
    setVersion((v) => v + 1);
  };
  const failed = (err: unknown) => setStatus({ kind: 'error', text: errorMessage(err) });
  const add = (e: FormEvent) => {
    e.preventDefault();
    if (form.days.length === 0) {
      setStatus({ kind: 'error', text: 'Pick at least one day' });
      return;
    }
    engine()
      .request('notify.muteWindows.save', {
        window: { name: form.name, matchers: [], weekdays: form.days, start: form.start, end: form.end },
      })
      .then(done('Mute window saved'), failed);
  };
  const remove = (id: string) =>
    engine().request('notify.muteWindows.delete', { id }).then(done('Mute window removed'), failed);
  const toggle = (day: number, on: boolean) =>
    setForm({ ...form, days: on ? [...form.days, day].sort() : form.days.filter((d) => d !== day) });
  return (
    <section>
      <h2 className="section-title">Mute windows</h2>
      <form className="panel" onSubmit={add} data-testid="mute-form">
        <fieldset className="kind-picker">
          <legend>
            Days (the window starts on these days; one ending before it starts runs past midnight)
          </legend>
          {DAYS.map((d, i) => (
            <label key={d} className="check">
              <input
                type="checkbox"
                checked={form.days.includes(i)}
                onChange={(e) => toggle(i, e.target.checked)}
              />
              {d}
            </label>
          ))}
        </fieldset>
        <div className="form-grid">
          <Field label="Name">
            <input value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} required />
          </Field>
          <Field label="From">
            <input
              type="time"
              value={form.start}
              onChange={(e) => setForm({ ...form, start: e.target.value })}
            />
          </Field>
          <Field label="Until">
            <input type="time" value={form.end} onChange={(e) => setForm({ ...form, end: e.target.value })} />
          </Field>
        </div>
        <StatusLine status={status} testId="mute-status" />
        <div className="form-actions">
          <button type="submit" className="primary-button">
            Add mute window
          </button>
        </div>
      </form>
      <LoadError what="the mute windows" error={windows.error} onRetry={() => setVersion((v) => v + 1)} />
      {windows.data && windows.data.length > 0 && (
        <table className="grid" data-testid="mute-windows">
          <thead>
            <tr>
              <th>Name</th>
              <th>Days</th>
              <th>Hours</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {windows.data.map((w) => (
              <tr key={w.id}>
                <td>{w.name}</td>
                <td>{w.weekdays.map((d) => DAYS[d]).join(' ')}</td>
                <td>
                  {w.start}–{w.end}
                </td>
                <td>
                  <button type="button" className="small-button" onClick={() => remove(w.id)}>
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
