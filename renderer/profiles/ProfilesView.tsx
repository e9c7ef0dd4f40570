/**
 * Device profiles: every profile with its units and how many devices have it; a new
 * profile, a duplicate of any (built-ins are read-only), edits, deletion (refused while a
 * device has it), import of a JSON file (one profile or an array) and export in the same
 * format as the shipped files.
 */
import { useCallback, useEffect, useState } from 'react';
import type { ProfileSummary } from '../../common/profiles-contract';
import { downloadText } from '../export/download';
import { hrefFor, navigate } from '../router';
import { engine } from '../rpc/engine';
import { ConfirmDialog } from '../tools/ConfirmDialog';
import { FilePickButton } from '../tools/FilePickButton';
import { LoadError, type PageStatus as Status, StatusLine } from '../tools/PageNotices';
import { errorMessage } from '../tools/use-poll';
import { type EditorMode, ProfileEditor } from './ProfileEditor';
import { emptyForm, formFromDefinition, type ProfileForm } from './profile-form';

interface Open {
  mode: EditorMode;
  form: ProfileForm;
  /** remounts the editor for another profile or a fresh draft */
  key: string;
}

function unitsOf(p: ProfileSummary): string {
  return p.metrics.map((m) => (m.unit ? `${m.name} (${m.unit})` : m.name)).join(', ');
}

function ImportButton({
  onImported,
  onStatus,
}: {
  onImported(ids: string[]): void;
  onStatus(s: Status): void;
}) {
  const [replace, setReplace] = useState(false);
  const [busy, setBusy] = useState(false);
  const chosen = (file: File) => {
    setBusy(true);
    onStatus(null);
    file
      .text()
      .then((text) => engine().request('profiles.import', { text, replace }))
      .then(
        ({ imported }) => {
          onStatus({ kind: 'ok', text: `Imported ${imported.join(', ')}.` });
          onImported(imported);
        },
        (err: unknown) =>
          onStatus({ kind: 'error', text: `Could not import ${file.name}: ${errorMessage(err)}` }),
      )
      .finally(() => setBusy(false));
  };
  return (
    <>
      <FilePickButton
        label="Import JSON…"
        busyLabel="Importing…"
        busy={busy}
        accept=".json,application/json"
        inputLabel="Profile file to import"
        testId="profile-import"
        onFile={chosen}
      />
      <label className="check">
        <input type="checkbox" checked={replace} onChange={(e) => setReplace(e.target.checked)} />
        replace my profiles with the same id
      </label>
    </>
  );
}

export function ProfilesView({ profileId }: { profileId: string | null }) {
  const [profiles, setProfiles] = useState<ProfileSummary[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [open, setOpen] = useState<Open | null>(null);
  const [status, setStatus] = useState<Status>(null);
  const [deleting, setDeleting] = useState<ProfileSummary | null>(null);
  const [deleteBusy, setDeleteBusy] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);

  const load = useCallback(() => {
    engine()
      .request('profiles.list')
      .then(
        (list) => {
          setProfiles(list);
          setLoadError(null);
        },
        (e: unknown) => setLoadError(errorMessage(e)),
      );
  }, []);
  useEffect(load, [load]);

  const openProfile = useCallback((id: string) => {
    engine()
      .request('profiles.get', { id })
      .then(
        (p) =>
          setOpen({
            mode: p.builtIn ? 'view' : 'edit',
            form: formFromDefinition(p.definition),
            key: `${p.id}-${Date.now()}`,
          }),
        (e: unknown) => setStatus({ kind: 'error', text: errorMessage(e) }),
      );
  }, []);
  // the route names the profile in the editor; a new or duplicated draft has no route of its own
  useEffect(() => {
    if (profileId !== null) openProfile(profileId);
  }, [profileId, openProfile]);

  const duplicate = (id: string) => {
    engine()
      .request('profiles.get', { id })
      .then(
        (p) => {
          const form = formFromDefinition(p.definition);
          const taken = new Set(profiles?.map((x) => x.id));
          let copy = `${p.id}-copy`;
          for (let n = 2; taken.has(copy); n++) copy = `${p.id}-copy-${n}`;
          setOpen({
            mode: 'create',
            form: { ...form, id: copy, name: `${form.name} (copy)` },
            key: `dup-${copy}-${Date.now()}`,
          });
        },
        (e: unknown) => setStatus({ kind: 'error', text: errorMessage(e) }),
      );
  };

  const exportProfiles = (ids: string[]) => {
    setStatus(null);
    engine()
      .request('profiles.export', { ids })
      .then(
        (file) => downloadText(file.content, file.filename, file.mime),
        (e: unknown) => setStatus({ kind: 'error', text: `Could not export: ${errorMessage(e)}` }),
      );
  };

  const confirmDelete = () => {
    if (!deleting) return;
    setDeleteBusy(true);
    setDeleteError(null);
    engine()
      .request('profiles.delete', { id: deleting.id })
      .then(
        () => {
          setStatus({ kind: 'ok', text: `Deleted ${deleting.id}.` });
          setDeleting(null);
          if (open && open.form.id === deleting.id) close();
          load();
        },
        (e: unknown) => setDeleteError(errorMessage(e)),
      )
      .finally(() => setDeleteBusy(false));
  };

  const close = () => {
    setOpen(null);
    if (profileId !== null) navigate({ name: 'profiles', profileId: null });
  };

  const mine = profiles?.filter((p) => !p.builtIn).map((p) => p.id) ?? [];

  return (
    <section className="page profiles-page">
      <div className="page-head">
        <h1>Device profiles</h1>
        <span className="muted">
          What each device's metrics mean: units, physical limits, Bluetooth mapping.
        </span>
      </div>
      <div className="toolbar">
        <button
          type="button"
          onClick={() => setOpen({ mode: 'create', form: emptyForm(), key: `new-${Date.now()}` })}
          data-testid="profile-new"
        >
          New profile
        </button>
        <ImportButton
          onStatus={setStatus}
          onImported={(ids) => {
            load();
            if (ids.length === 1 && ids[0]) navigate({ name: 'profiles', profileId: ids[0] });
          }}
        />
        <button
          type="button"
          disabled={mine.length === 0}
          onClick={() => exportProfiles(mine)}
          data-testid="profile-export-mine"
        >
          Export my profiles
        </button>
      </div>
      <StatusLine status={status} testId="profiles-status" />
      <LoadError what="the profiles" error={loadError} onRetry={load} />
      {profiles === null && !loadError && <p className="muted">loading…</p>}
      {profiles && (
        <table className="grid" data-testid="profiles-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Id</th>
              <th>Metrics</th>
              <th className="num">Devices</th>
              <th>
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {profiles.map((p) => (
              <tr
                key={p.id}
                data-testid="profile-row"
                data-profile-id={p.id}
                className={open?.form.id === p.id ? 'selected' : undefined}
              >
                <td>
                  <a
                    href={hrefFor({ name: 'profiles', profileId: p.id })}
                    onClick={() => profileId === p.id && openProfile(p.id)}
                  >
                    {p.name}
                  </a>{' '}
                  {p.builtIn && <span className="badge">built-in</span>}
                </td>
                <td className="mono">{p.id}</td>
                <td className="small">{unitsOf(p)}</td>
                <td className="num">{p.usedBy}</td>
                <td className="nowrap">
                  <button
                    type="button"
                    className="small-button"
                    onClick={() => duplicate(p.id)}
                    aria-label={`Duplicate ${p.id}`}
                  >
                    Duplicate
                  </button>{' '}
                  <button
                    type="button"
                    className="small-button"
                    onClick={() => exportProfiles([p.id])}
                    aria-label={`Export ${p.id}`}
                    data-testid={`profile-export-${p.id}`}
                  >
                    Export
                  </button>{' '}
                  {!p.builtIn && (
                    <button
                      type="button"
                      className="small-button"
                      onClick={() => {
                        setDeleteError(null);
                        setDeleting(p);
                      }}
                      aria-label={`Delete ${p.id}`}
                      data-testid={`profile-delete-${p.id}`}
                    >
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {open && (
        <ProfileEditor
          key={open.key}
          initial={open.form}
          mode={open.mode}
          onClose={close}
          onDuplicate={() => duplicate(open.form.id)}
          onSaved={(id) => {
            load();
            if (open.mode === 'create') navigate({ name: 'profiles', profileId: id });
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete profile ${deleting.id}?`}
          confirmLabel="Delete"
          busyLabel="Deleting…"
          busy={deleteBusy}
          error={deleteError}
          onConfirm={confirmDelete}
          onCancel={() => setDeleting(null)}
          testId="profile-delete-dialog"
        >
          <p>
            {deleting.usedBy > 0
              ? `${deleting.usedBy} device(s) have it: give them another profile first.`
              : 'No device has it. This cannot be undone; export it first to keep a copy.'}
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
