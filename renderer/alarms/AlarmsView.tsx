/**
 * #/alarms: every alarm that is not normal, unacknowledged first, then by severity and
 * time. Select rows (mouse or keyboard) and acknowledge, shelve, comment, or take them out
 * of service; Enter or a double click opens one alarm's history.
 */
import { useEffect, useMemo, useState } from 'react';
import type { AlarmInstance } from '../../common/alarm-contract';
import { hrefFor } from '../router';
import { engine } from '../rpc/engine';
import { LoadError, type PageStatus, StatusLine } from '../tools/PageNotices';
import { errorMessage } from '../tools/use-poll';
import { ShelveDialog, TextDialog } from './AlarmDialogs';
import { AlarmHistory } from './AlarmHistory';
import { AlarmTable } from './AlarmTable';
import { emptySelection, pruneSelection, type Selection } from './alarm-selection';
import { reloadAlarms, useAlarms } from './alarm-store';
import { isUnacknowledged } from './alarm-words';
import { DesktopNoticesToggle } from './DesktopNoticesToggle';

type Dialog = 'shelve' | 'comment' | 'out-of-service' | 'return-to-service' | null;

const n = (count: number) => `${count} alarm${count === 1 ? '' : 's'}`;

function useSelectedAlarms(alarms: readonly AlarmInstance[]) {
  const [selection, setSelection] = useState<Selection>(emptySelection);
  const keys = useMemo(() => alarms.map((a) => a.key), [alarms]);
  useEffect(() => setSelection((s) => pruneSelection(s, keys)), [keys]);
  const selected = alarms.filter((a) => selection.selected.has(a.key));
  return { selection, setSelection, selected };
}

export function AlarmsView() {
  const { alarms, loaded, error } = useAlarms();
  const { selection, setSelection, selected } = useSelectedAlarms(alarms);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [busy, setBusy] = useState(false);
  const [dialogError, setDialogError] = useState<string | null>(null);
  const [status, setStatus] = useState<PageStatus>(null);
  const [openKey, setOpenKey] = useState<string | null>(null);
  const open = alarms.find((a) => a.key === openKey) ?? null;

  const unacked = selected.filter((a) => isUnacknowledged(a.state));
  const shelved = selected.filter((a) => a.state === 'shelved');
  const oos = selected.filter((a) => a.state === 'out_of_service');
  const inService = selected.filter((a) => a.state !== 'out_of_service');
  const keysOf = (list: readonly AlarmInstance[]) => list.map((a) => a.key);

  const run = (done: string, request: () => Promise<unknown>) => {
    setBusy(true);
    setDialogError(null);
    setStatus(null);
    request().then(
      () => {
        setBusy(false);
        setDialog(null);
        setStatus({ kind: 'ok', text: done });
        // a comment changes no state, so the stream may not carry it: ask for the list
        reloadAlarms(engine());
      },
      (err: unknown) => {
        setBusy(false);
        // inside a dialog the refusal shows there; otherwise on the page
        if (dialog) setDialogError(errorMessage(err));
        else setStatus({ kind: 'error', text: `Could not do that: ${errorMessage(err)}` });
      },
    );
  };
  const openDialog = (d: Dialog) => {
    setDialogError(null);
    setDialog(d);
  };

  return (
    <section className="page alarms-page" data-testid="alarms-page">
      <div className="page-head">
        <h1>Alarms</h1>
        <span className="muted">{loaded ? n(alarms.length) : 'loading…'} not normal</span>
        <span className="page-head-link">
          <DesktopNoticesToggle />
        </span>
        <a href={hrefFor({ name: 'alarm-kpis' })} data-testid="alarm-kpis-link">
          KPIs →
        </a>
        <a href={hrefFor({ name: 'alarm-rules', ruleId: null })}>Rules →</a>
      </div>
      <LoadError what="the alarms" error={error} onRetry={() => reloadAlarms(engine())} />
      <div className="toolbar alarm-actions" role="toolbar" aria-label="Alarm actions">
        <span className="muted" data-testid="alarm-selected-count">
          {selected.length === 0
            ? 'Select alarms (Space, Shift+arrows, Ctrl+A)'
            : `${n(selected.length)} selected`}
        </span>
        <button
          type="button"
          disabled={busy || unacked.length === 0}
          data-testid="alarm-ack"
          onClick={() =>
            run(`Acknowledged ${n(unacked.length)}.`, () =>
              engine().request('alarms.ack', { keys: keysOf(unacked) }),
            )
          }
        >
          Acknowledge
        </button>
        <button
          type="button"
          disabled={busy || selected.length === shelved.length}
          onClick={() => openDialog('shelve')}
          data-testid="alarm-shelve"
        >
          Shelve…
        </button>
        {shelved.length > 0 && (
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              run(`Unshelved ${n(shelved.length)}.`, () =>
                engine().request('alarms.unshelve', { keys: keysOf(shelved) }),
              )
            }
          >
            Unshelve
          </button>
        )}
        <button
          type="button"
          disabled={busy || selected.length === 0}
          onClick={() => openDialog('comment')}
          data-testid="alarm-comment"
        >
          Comment…
        </button>
        <button
          type="button"
          disabled={busy || inService.length === 0}
          onClick={() => openDialog('out-of-service')}
          data-testid="alarm-oos"
        >
          Out of service…
        </button>
        {oos.length > 0 && (
          <button type="button" disabled={busy} onClick={() => openDialog('return-to-service')}>
            Return to service…
          </button>
        )}
      </div>
      <StatusLine status={status} testId="alarm-status" />
      {loaded && alarms.length === 0 && !error && (
        <p className="empty" data-testid="alarms-empty">
          No alarms: every rule instance is normal.
        </p>
      )}
      {alarms.length > 0 && (
        <div className="table-box">
          <AlarmTable alarms={alarms} selection={selection} onSelection={setSelection} onOpen={setOpenKey} />
        </div>
      )}
      {open && <AlarmHistory alarm={open} onClose={() => setOpenKey(null)} />}
      {dialog === 'shelve' && (
        <ShelveDialog
          count={selected.length - shelved.length}
          busy={busy}
          error={dialogError}
          onCancel={() => setDialog(null)}
          onShelve={(until, reason) => {
            const keys = keysOf(selected.filter((a) => a.state !== 'shelved'));
            run(`Shelved ${n(keys.length)}.`, () =>
              engine().request('alarms.shelve', { keys, until, reason }),
            );
          }}
        />
      )}
      {dialog === 'comment' && (
        <TextDialog
          title="Comment"
          label="Comment"
          confirmLabel="Add comment"
          busyLabel="Adding…"
          testId="comment-dialog"
          count={selected.length}
          busy={busy}
          error={dialogError}
          onCancel={() => setDialog(null)}
          onSubmit={(text) =>
            run(`Commented on ${n(selected.length)}.`, () =>
              engine().request('alarms.comment', { keys: keysOf(selected), text }),
            )
          }
        />
      )}
      {(dialog === 'out-of-service' || dialog === 'return-to-service') && (
        <TextDialog
          title={dialog === 'out-of-service' ? 'Take out of service' : 'Return to service'}
          label="Reason"
          confirmLabel={dialog === 'out-of-service' ? 'Take out of service' : 'Return to service'}
          busyLabel="Saving…"
          testId="oos-dialog"
          count={dialog === 'out-of-service' ? inService.length : oos.length}
          busy={busy}
          error={dialogError}
          onCancel={() => setDialog(null)}
          onSubmit={(reason) => {
            const outOfService = dialog === 'out-of-service';
            const keys = keysOf(outOfService ? inService : oos);
            run(
              `${outOfService ? 'Took' : 'Returned'} ${n(keys.length)} ${outOfService ? 'out of' : 'to'} service.`,
              () => engine().request('alarms.outOfService', { keys, outOfService, reason }),
            );
          }}
        />
      )}
    </section>
  );
}
