/** The routing policy: routes, default channels and the site's time zone. */
import { type FormEvent, useState } from 'react';
import type { Policy } from '../../common/notify-contract';
import { engine } from '../rpc/engine';
import { Field } from '../tools/Field';
import { LoadError, type PageStatus, StatusLine } from '../tools/PageNotices';
import { errorMessage, usePoll } from '../tools/use-poll';
import { POLL_MS } from './poll';

export function PolicyPanel({ onSaved }: { onSaved(): void }) {
  const [version, setVersion] = useState(0);
  const policy = usePoll(() => engine().request('notify.policy.get'), 60_000, `policy-${version}`);
  const channels = usePoll(() => engine().request('notify.channels.list'), POLL_MS, 'policy-channels');
  const [status, setStatus] = useState<PageStatus>(null);
  const [draft, setDraft] = useState<{ channels: string[]; tz: string; routes: string } | null>(null);
  if (!policy.data) {
    return (
      <LoadError what="the routing policy" error={policy.error} onRetry={() => setVersion((v) => v + 1)} />
    );
  }
  const current = draft ?? {
    channels: policy.data.defaultChannels,
    tz: policy.data.siteTimeZone,
    routes: JSON.stringify(policy.data.routes, null, 2),
  };
  const save = (e: FormEvent) => {
    e.preventDefault();
    if (!policy.data) return;
    let routes: Policy['routes'];
    try {
      routes = JSON.parse(current.routes || '[]') as Policy['routes'];
    } catch (err) {
      setStatus({ kind: 'error', text: `The routes are not valid JSON: ${errorMessage(err)}` });
      return;
    }
    engine()
      .request('notify.policy.save', {
        policy: {
          ...policy.data,
          routes,
          defaultChannels: current.channels,
          siteTimeZone: current.tz.trim(),
        },
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
        <div className="form-wide">
          <Field
            label="Routes (JSON)"
            hint='e.g. [{"name":"boilers","matchers":[{"label":"device","op":"=~","value":"boiler-.*"}],"channels":["ops"]}]'
          >
            <textarea
              rows={6}
              className="mono"
              value={current.routes}
              onChange={(e) => setDraft({ ...current, routes: e.target.value })}
              spellCheck={false}
            />
          </Field>
        </div>
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
