/** The routing policy: default channels and the site's time zone; the routes, each edited in its own form. */
import { type FormEvent, useState } from 'react';
import type { Policy } from '../../common/notify-contract';
import { engine } from '../rpc/engine';
import { Field } from '../tools/Field';
import { LoadError, type PageStatus, StatusLine } from '../tools/PageNotices';
import { errorMessage, usePoll } from '../tools/use-poll';
import { POLL_MS } from './poll';
import { RouteEditor } from './RouteEditor';
import { emptyRoute, type Route, routeFieldsOf } from './route-form';

/** which route the editor is open on: an index, or 'new' */
type Editing = number | 'new' | null;

export function PolicyPanel({ onSaved }: { onSaved(): void }) {
  const [version, setVersion] = useState(0);
  const policy = usePoll(() => engine().request('notify.policy.get'), 60_000, `policy-${version}`);
  const channels = usePoll(() => engine().request('notify.channels.list'), POLL_MS, 'policy-channels');
  const [status, setStatus] = useState<PageStatus>(null);
  const [draft, setDraft] = useState<{ channels: string[]; tz: string } | null>(null);
  const [editing, setEditing] = useState<Editing>(null);
  if (!policy.data) {
    return (
      <LoadError what="the routing policy" error={policy.error} onRetry={() => setVersion((v) => v + 1)} />
    );
  }
  const current = draft ?? {
    channels: policy.data.defaultChannels,
    tz: policy.data.siteTimeZone,
  };
  const routes = policy.data.routes;
  const saved = (text: string) => () => {
    setStatus({ kind: 'ok', text });
    setVersion((v) => v + 1);
    onSaved();
  };
  /** the saved policy with other routes; the unsaved default channels and time zone stay a draft */
  const saveRoutes = (next: Route[]) => {
    if (!policy.data) return Promise.reject(new Error('the policy is not loaded'));
    return engine().request('notify.policy.save', { policy: { ...policy.data, routes: next } });
  };
  const failed = (err: unknown) => setStatus({ kind: 'error', text: errorMessage(err) });
  const saveRoute = (route: Route) => {
    const next = editing === 'new' ? [...routes, route] : routes.map((r, i) => (i === editing ? route : r));
    // a refusal is shown in the editor, beside the route it is about
    return saveRoutes(next).then(() => {
      setEditing(null);
      saved(`Route ${route.name} saved`)();
    });
  };
  const removeRoute = (i: number) =>
    saveRoutes(routes.filter((_, j) => j !== i)).then(saved(`Route ${routes[i]?.name} removed`), failed);
  const moveUp = (i: number) =>
    saveRoutes(routes.map((r, j) => (j === i - 1 ? routes[i]! : j === i ? routes[i - 1]! : r))).then(
      saved(`Route ${routes[i]?.name} moved up`),
      failed,
    );
  const channelName = (id: string) => channels.data?.find((c) => c.id === id)?.name ?? `${id} (missing)`;
  const save = (e: FormEvent) => {
    e.preventDefault();
    if (!policy.data) return;
    const next: Policy = {
      ...policy.data,
      defaultChannels: current.channels,
      siteTimeZone: current.tz.trim(),
    };
    engine()
      .request('notify.policy.save', { policy: next })
      .then(() => {
        setDraft(null);
        saved('Routing saved')();
      }, failed);
  };
  return (
    <>
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
      <section className="panel" data-testid="routes">
        <h2 className="section-title">Routes</h2>
        <p className="muted">
          Checked in order: an alarm goes to the first route it fits, and on to later ones only when that
          route says continue.
        </p>
        {routes.length > 0 && (
          <table className="grid">
            <thead>
              <tr>
                <th>Name</th>
                <th>Matches</th>
                <th>Channels</th>
                <th>Escalation</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {routes.map((r, i) => (
                <tr key={r.name} data-testid={`route-${r.name}`}>
                  <td>{r.name}</td>
                  <td className="mono small">
                    {r.matchers.map((m) => `${m.label}${m.op}${m.value}`).join(', ') || 'every alarm'}
                    {r.minSeverity !== 'info' && `, ${r.minSeverity} or worse`}
                    {r.continue && ', continue'}
                  </td>
                  <td>{r.channels.map(channelName).join(', ') || '–'}</td>
                  <td>
                    {r.escalation
                      ? r.escalation.stages
                          .map((s, n) => `${n + 1}: ${s.channels.map(channelName).join(', ')}`)
                          .join(' → ')
                      : '–'}
                  </td>
                  <td className="row-actions">
                    <button type="button" className="small-button" onClick={() => setEditing(i)}>
                      Edit
                    </button>
                    <button
                      type="button"
                      className="small-button"
                      disabled={i === 0}
                      aria-label={`Move ${r.name} up`}
                      onClick={() => moveUp(i)}
                    >
                      Up
                    </button>
                    <button
                      type="button"
                      className="small-button"
                      aria-label={`Remove ${r.name}`}
                      onClick={() => removeRoute(i)}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {editing === null ? (
          <button
            type="button"
            className="small-button"
            data-testid="add-route"
            disabled={routes.length >= 50}
            onClick={() => setEditing('new')}
          >
            Add route
          </button>
        ) : (
          <RouteEditor
            key={String(editing)}
            initial={editing === 'new' ? emptyRoute() : routeFieldsOf(routes[editing]!)}
            channels={channels.data ?? []}
            otherNames={routes.filter((_, i) => i !== editing).map((r) => r.name)}
            onSave={saveRoute}
            onCancel={() => setEditing(null)}
          />
        )}
      </section>
    </>
  );
}
