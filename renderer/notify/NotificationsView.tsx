/**
 * Notifications: the channels (with Send test, last result, waiting and dead counts), the
 * default routing and flood settings, silences, and dead letters with Retry.
 */
import { type FormEvent, useState } from 'react';
import type { ChannelSummary, Delivery } from '../../common/notify-contract';
import { engine } from '../rpc/engine';
import { Field } from '../tools/Field';
import { LoadError, type PageStatus, StatusLine } from '../tools/PageNotices';
import { errorMessage, usePoll } from '../tools/use-poll';
import { ChannelForm } from './ChannelForm';
import { fieldsOf } from './channel-form';

const POLL_MS = 3000;

function ChannelsPanel({ refresh }: { refresh: number }) {
  const [editing, setEditing] = useState<ChannelSummary | 'new' | null>(null);
  const [status, setStatus] = useState<PageStatus>(null);
  const [version, setVersion] = useState(0);
  const channels = usePoll(() => engine().request('notify.channels.list'), POLL_MS, `${refresh}-${version}`);
  const test = (c: ChannelSummary) => {
    setStatus({ kind: 'ok', text: `Sending a test to ${c.name}…` });
    engine()
      .request('notify.channels.test', { channelId: c.id })
      .then(
        (r) =>
          setStatus({
            kind: r.ok ? 'ok' : 'error',
            text: `${c.name}: ${r.ok ? 'delivered' : 'not delivered'} (${r.detail})`,
          }),
        (e: unknown) => setStatus({ kind: 'error', text: `${c.name}: ${errorMessage(e)}` }),
      )
      .finally(() => setVersion((v) => v + 1));
  };
  const remove = (c: ChannelSummary) => {
    engine()
      .request('notify.channels.delete', { channelId: c.id })
      .then(
        () => setStatus({ kind: 'ok', text: `${c.name} deleted` }),
        (e: unknown) => setStatus({ kind: 'error', text: errorMessage(e) }),
      )
      .finally(() => setVersion((v) => v + 1));
  };
  return (
    <section>
      <div className="toolbar">
        <h2 className="section-title">Channels</h2>
        <button
          type="button"
          onClick={() => setEditing('new')}
          data-testid="add-channel"
          disabled={editing !== null}
        >
          Add channel
        </button>
      </div>
      {editing !== null && (
        <ChannelForm
          key={editing === 'new' ? 'new' : editing.id}
          initial={editing === 'new' ? null : fieldsOf(editing)}
          hasSecret={editing !== 'new' && editing.hasSecret}
          onDone={(saved) => {
            setEditing(null);
            if (saved) setStatus({ kind: 'ok', text: 'Channel saved' });
            setVersion((v) => v + 1);
          }}
        />
      )}
      <StatusLine status={status} testId="channel-status" />
      <LoadError what="the channels" error={channels.error} onRetry={() => setVersion((v) => v + 1)} />
      {channels.data?.length === 0 && <p className="empty">No channels yet: alarms show in the app only.</p>}
      {channels.data && channels.data.length > 0 && (
        <table className="grid" data-testid="channels">
          <thead>
            <tr>
              <th>Name</th>
              <th>Type</th>
              <th>Last attempt</th>
              <th>Waiting</th>
              <th>Dead</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {channels.data.map((c) => (
              <tr key={c.id} data-testid={`channel-${c.id}`}>
                <td>{c.name}</td>
                <td>{c.kind}</td>
                <td className={c.lastResult && !c.lastResult.ok ? 'form-error' : undefined}>
                  {c.lastResult ? `${c.lastResult.ok ? '✓' : '✗'} ${c.lastResult.detail}` : '—'}
                </td>
                <td>{c.pending}</td>
                <td>{c.deadLetters}</td>
                <td>
                  <button type="button" className="small-button" onClick={() => test(c)}>
                    Send test
                  </button>{' '}
                  <button type="button" className="small-button" onClick={() => setEditing(c)}>
                    Edit
                  </button>{' '}
                  <button type="button" className="small-button" onClick={() => remove(c)}>
                    Delete
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

function PolicyPanel({ onSaved }: { onSaved(): void }) {
  const [version, setVersion] = useState(0);
  const policy = usePoll(() => engine().request('notify.policy.get'), 60_000, `policy-${version}`);
  const channels = usePoll(() => engine().request('notify.channels.list'), POLL_MS, 'policy-channels');
  const [status, setStatus] = useState<PageStatus>(null);
  const [draft, setDraft] = useState<{ channels: string[]; tz: string } | null>(null);
  if (!policy.data) {
    return (
      <LoadError what="the routing policy" error={policy.error} onRetry={() => setVersion((v) => v + 1)} />
    );
  }
  const current = draft ?? { channels: policy.data.defaultChannels, tz: policy.data.siteTimeZone };
  const save = (e: FormEvent) => {
    e.preventDefault();
    if (!policy.data) return;
    engine()
      .request('notify.policy.save', {
        policy: { ...policy.data, defaultChannels: current.channels, siteTimeZone: current.tz.trim() },
      })
      .then(
        () => {
          setStatus({ kind: 'ok', text: 'Routing saved' });
          setVersion((v) => v + 1);
          onSaved();
        },
        (err: unknown) => setStatus({ kind: 'error', text: errorMessage(err) }),
      );
  };
  return (
    <form className="panel" onSubmit={save} data-testid="policy-form">
      <h2 className="section-title">Routing</h2>
      <p className="muted">
        Alarms that match none of the {policy.data.routes.length} route(s) go to these channels. More than{' '}
        {policy.data.flood.alarms} alarms in {Math.round(policy.data.flood.windowMs / 60_000)} minutes is a
        flood: only critical alarms page, the rest arrive in one digest.
      </p>
      <fieldset className="kind-picker">
        <legend>Default channels</legend>
        {(channels.data ?? []).map((c) => (
          <label key={c.id} className="check">
            <input
              type="checkbox"
              checked={current.channels.includes(c.id)}
              onChange={(e) =>
                setDraft({
                  ...current,
                  channels: e.target.checked
                    ? [...current.channels, c.id]
                    : current.channels.filter((x) => x !== c.id),
                })
              }
            />
            {c.name}
          </label>
        ))}
      </fieldset>
      <div className="form-grid">
        <Field label="Site time zone" hint="for mute windows, e.g. Europe/Berlin">
          <input value={current.tz} onChange={(e) => setDraft({ ...current, tz: e.target.value })} />
        </Field>
      </div>
      <StatusLine status={status} testId="policy-status" />
      <div className="form-actions">
        <button type="submit" className="primary-button">
          Save routing
        </button>
      </div>
    </form>
  );
}

const HOUR = 3_600_000;

function SilencesPanel() {
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

function DeadLetters() {
  const [version, setVersion] = useState(0);
  const dead = usePoll(
    () => engine().request('notify.deliveries.list', { status: 'dead', limit: 200 }),
    POLL_MS,
    String(version),
  );
  const [status, setStatus] = useState<PageStatus>(null);
  const retry = (rows: Delivery[]) =>
    engine()
      .request('notify.deliveries.retry', { ids: rows.map((r) => r.id) })
      .then(
        () => setStatus({ kind: 'ok', text: `${rows.length} message(s) queued again` }),
        (err: unknown) => setStatus({ kind: 'error', text: errorMessage(err) }),
      )
      .finally(() => setVersion((v) => v + 1));
  return (
    <section>
      <div className="toolbar">
        <h2 className="section-title">Dead letters</h2>
        {dead.data && dead.data.length > 0 && (
          <button type="button" onClick={() => dead.data && retry(dead.data)} data-testid="retry-all">
            Retry all
          </button>
        )}
      </div>
      <StatusLine status={status} testId="dead-status" />
      <LoadError what="the dead letters" error={dead.error} onRetry={() => setVersion((v) => v + 1)} />
      {dead.data?.length === 0 && (
        <p className="empty">None: every message was delivered or is still being tried.</p>
      )}
      {dead.data && dead.data.length > 0 && (
        <table className="grid" data-testid="dead-letters">
          <thead>
            <tr>
              <th>Channel</th>
              <th>Kind</th>
              <th>Attempts</th>
              <th>Last error</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {dead.data.map((d) => (
              <tr key={d.id}>
                <td>{d.channelId}</td>
                <td>{d.kind}</td>
                <td>{d.attempts}</td>
                <td>{d.lastError}</td>
                <td>
                  <button type="button" className="small-button" onClick={() => retry([d])}>
                    Retry
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

export function NotificationsView() {
  const [refresh, setRefresh] = useState(0);
  return (
    <section className="page" data-testid="notifications-view">
      <div className="page-head">
        <h1>Notifications</h1>
      </div>
      <ChannelsPanel refresh={refresh} />
      <PolicyPanel onSaved={() => setRefresh((r) => r + 1)} />
      <SilencesPanel />
      <DeadLetters />
    </section>
  );
}
