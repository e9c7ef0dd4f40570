/** The channels: status, Send test, edit and delete, and the form to add one. */
import { useState } from 'react';
import type { ChannelSummary } from '../../common/notify-contract';
import { engine } from '../rpc/engine';
import { LoadError, type PageStatus, StatusLine } from '../tools/PageNotices';
import { errorMessage, usePoll } from '../tools/use-poll';
import { ChannelForm } from './ChannelForm';
import { fieldsOf } from './channel-form';
import { POLL_MS } from './poll';

export function ChannelsPanel({ refresh }: { refresh: number }) {
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
