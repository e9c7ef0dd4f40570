/**
 * The firmware library: verified images (import, remove), the fleet's pinned signing keys
 * (add a PEM, remove) and the cloud's firmware catalog marked present or missing. An image
 * is checked in full by the engine before it is kept; a refused one is named with the
 * engine's reason and nothing of it is stored.
 */
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import type { FirmwareCatalogEntry, FirmwareImage, PinnedKeyInfo } from '../../common/firmware-contract';
import { FIRMWARE_MAX_IMAGE_BYTES } from '../../common/firmware-contract';
import { formatBytes, formatDateTime } from '../format';
import { engine } from '../rpc/engine';
import { ConfirmDialog } from '../tools/ConfirmDialog';
import { Field } from '../tools/Field';
import { FilePickButton } from '../tools/FilePickButton';
import { LoadError, type PageStatus as Status, StatusLine } from '../tools/PageNotices';
import { errorMessage } from '../tools/use-poll';
import { importImage } from './import-image';

const short = (hash: string) => hash.slice(0, 12);

const ALGORITHM_TEXT: Record<PinnedKeyInfo['algorithm'], string> = {
  'ecdsa-p256': 'ECDSA P-256',
  ed25519: 'Ed25519',
  'rsa-3072': 'RSA-3072',
  'ecdsa-p384': 'ECDSA P-384',
};

function ImportButton({ onDone, onStatus }: { onDone(): void; onStatus(s: Status): void }) {
  const [progress, setProgress] = useState<{ sent: number; total: number } | null>(null);
  const chosen = (file: File) => {
    onStatus(null);
    if (file.size > FIRMWARE_MAX_IMAGE_BYTES) {
      onStatus({
        kind: 'error',
        text: `Refused: ${file.name} is ${formatBytes(file.size)}, more than the ${formatBytes(FIRMWARE_MAX_IMAGE_BYTES)} an image may be.`,
      });
      return;
    }
    if (file.size === 0) {
      onStatus({ kind: 'error', text: `Refused: ${file.name} is empty.` });
      return;
    }
    setProgress({ sent: 0, total: file.size });
    file
      .arrayBuffer()
      .then((buffer) =>
        importImage(engine(), file.name, new Uint8Array(buffer), (sent, total) =>
          setProgress({ sent, total }),
        ),
      )
      .then(
        ({ image, existed }) => {
          onStatus({
            kind: 'ok',
            text: existed
              ? `${file.name} is already in the library (version ${image.version}).`
              : `Imported ${file.name}: ${image.kind === 'mcuboot' ? 'MCUboot' : 'ESP-IDF'} image, version ${image.version}${image.signingKey ? `, signed with “${image.signingKey.name}”` : ''}.`,
          });
          onDone();
        },
        (err: unknown) => onStatus({ kind: 'error', text: `${file.name}: ${errorMessage(err)}` }),
      )
      .finally(() => setProgress(null));
  };
  return (
    <>
      <FilePickButton
        label="Import image…"
        busyLabel="Importing…"
        busy={progress !== null}
        accept=".bin,.img,.signed,application/octet-stream"
        inputLabel="Firmware image to import"
        testId="firmware-import"
        onFile={chosen}
      />
      {progress && (
        <span className="small" data-testid="firmware-import-progress">
          <progress max={progress.total} value={progress.sent} aria-label="Sending the image to the engine" />{' '}
          {progress.sent < progress.total
            ? `${formatBytes(progress.sent)} of ${formatBytes(progress.total)}`
            : 'verifying…'}
        </span>
      )}
    </>
  );
}

function ImagesTable({ images, onRemove }: { images: FirmwareImage[]; onRemove(i: FirmwareImage): void }) {
  if (images.length === 0) {
    return (
      <p className="muted" data-testid="firmware-empty">
        No images yet. Pin the fleet's signing key below, then import a signed image.
      </p>
    );
  }
  return (
    <table className="grid" data-testid="firmware-table">
      <thead>
        <tr>
          <th>Version</th>
          <th>Kind</th>
          <th>Target</th>
          <th className="num">Size</th>
          <th>Signed with</th>
          <th>SHA-256</th>
          <th>Imported</th>
          <th>
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {images.map((i) => (
          <tr key={i.sha256} data-testid="firmware-row" data-sha256={i.sha256}>
            <td>
              <strong>{i.version}</strong>
              <div className="small muted" title={i.fileName}>
                {i.fileName}
              </div>
            </td>
            <td>{i.kind === 'mcuboot' ? 'MCUboot' : 'ESP-IDF app'}</td>
            <td className="small">{i.target ?? <span className="muted">not stated</span>}</td>
            <td className="num">{formatBytes(i.size)}</td>
            <td className="small">
              {i.signingKey === null ? (
                <span
                  className="muted"
                  title="An ESP-IDF image without a Secure Boot V2 signature: checked by checksum and SHA-256 only"
                >
                  integrity only
                </span>
              ) : i.signingKey.pinned ? (
                i.signingKey.name
              ) : (
                <span
                  className="badge badge-warn"
                  title="The key was removed: this image is not used for updates"
                >
                  {i.signingKey.name} (removed)
                </span>
              )}
            </td>
            <td className="mono small" title={i.sha256}>
              {short(i.sha256)}
            </td>
            <td className="small nowrap">{formatDateTime(i.importedAt).slice(0, 16)}</td>
            <td className="nowrap">
              <button
                type="button"
                className="small-button"
                onClick={() => onRemove(i)}
                aria-label={`Remove version ${i.version} (${short(i.sha256)})`}
                data-testid="firmware-remove"
              >
                Remove
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function CatalogTable({ entries }: { entries: FirmwareCatalogEntry[] }) {
  return (
    <table className="grid" data-testid="firmware-catalog">
      <thead>
        <tr>
          <th>Release</th>
          <th>SHA-256</th>
          <th>In the library</th>
          <th>Notes</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((e, n) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: catalog entries have no id of their own
          <tr key={n} data-testid="catalog-row" data-sha256={e.sha256 ?? ''}>
            <td>
              {e.version ?? <span className="muted">no version</span>}
              {e.url && <div className="small muted mono">{e.url}</div>}
            </td>
            <td className="mono small" title={e.sha256 ?? undefined}>
              {e.sha256 ? short(e.sha256) : <span className="muted">none given</span>}
            </td>
            <td>
              {e.inLibrary ? (
                <span className="badge badge-ok">present</span>
              ) : (
                <span className="badge badge-warn" title="Import this release's image to use it">
                  {e.sha256 ? 'missing' : 'cannot tell (no SHA-256)'}
                </span>
              )}
            </td>
            <td className="small">{e.notes}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function AddKeyForm({ onAdded }: { onAdded(): void }) {
  const [name, setName] = useState('');
  const [pem, setPem] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim() || !pem.trim()) {
      setError('Give the key a name and paste its public key (PEM).');
      return;
    }
    setBusy(true);
    setError(null);
    engine()
      .request('firmware.keys.add', { name: name.trim(), pem })
      .then(
        () => {
          setName('');
          setPem('');
          onAdded();
        },
        (err: unknown) => setError(errorMessage(err)),
      )
      .finally(() => setBusy(false));
  };
  return (
    <form className="panel firmware-key-form" onSubmit={submit} data-testid="key-form">
      <Field label="Key name" hint="how people know it, e.g. “production 2026”">
        <input
          value={name}
          maxLength={100}
          onChange={(e) => setName(e.target.value)}
          data-testid="key-name"
        />
      </Field>
      <Field
        label="Public key (PEM)"
        hint="MCUboot: ECDSA P-256 or Ed25519 (imgtool getpub --encoding pem); ESP-IDF Secure Boot V2: RSA-3072 or ECDSA P-256/P-384"
      >
        <textarea
          value={pem}
          rows={5}
          spellCheck={false}
          className="mono"
          placeholder="-----BEGIN PUBLIC KEY-----"
          onChange={(e) => setPem(e.target.value)}
          data-testid="key-pem"
        />
      </Field>
      {error && (
        <p className="form-error" role="alert" data-testid="key-error">
          {error}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" disabled={busy} data-testid="key-add">
          {busy ? 'Pinning…' : 'Pin key'}
        </button>
      </div>
    </form>
  );
}

function KeysTable({ keys, onRemove }: { keys: PinnedKeyInfo[]; onRemove(k: PinnedKeyInfo): void }) {
  if (keys.length === 0) {
    return <p className="muted">No key is pinned: every MCUboot image will be refused until one is.</p>;
  }
  return (
    <table className="grid" data-testid="keys-table">
      <thead>
        <tr>
          <th>Name</th>
          <th>Algorithm</th>
          <th>Key hash (KEYHASH)</th>
          <th className="num">Images</th>
          <th>Pinned</th>
          <th>
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {keys.map((k) => (
          <tr key={k.id} data-testid="key-row" data-key-name={k.name}>
            <td>{k.name}</td>
            <td>{ALGORITHM_TEXT[k.algorithm]}</td>
            <td className="mono small fingerprint">{k.keyHash}</td>
            <td className="num">{k.images}</td>
            <td className="small nowrap">{formatDateTime(k.addedAt).slice(0, 16)}</td>
            <td>
              <button
                type="button"
                className="small-button"
                onClick={() => onRemove(k)}
                aria-label={`Remove key ${k.name}`}
                data-testid="key-remove"
              >
                Remove
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

type Removing = { kind: 'image'; image: FirmwareImage } | { kind: 'key'; key: PinnedKeyInfo };

export function FirmwareView() {
  const [images, setImages] = useState<FirmwareImage[] | null>(null);
  const [keys, setKeys] = useState<PinnedKeyInfo[]>([]);
  const [catalog, setCatalog] = useState<FirmwareCatalogEntry[]>([]);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [status, setStatus] = useState<Status>(null);
  const [removing, setRemoving] = useState<Removing | null>(null);
  const [removeBusy, setRemoveBusy] = useState(false);
  const [removeError, setRemoveError] = useState<string | null>(null);

  const load = useCallback(() => {
    const client = engine();
    Promise.all([
      client.request('firmware.list'),
      client.request('firmware.keys.list'),
      client.request('firmware.catalog'),
    ]).then(
      ([i, k, c]) => {
        setImages(i);
        setKeys(k);
        setCatalog(c);
        setLoadError(null);
      },
      (e: unknown) => setLoadError(errorMessage(e)),
    );
  }, []);
  useEffect(load, [load]);

  const confirmRemove = () => {
    if (!removing) return;
    setRemoveBusy(true);
    setRemoveError(null);
    const done =
      removing.kind === 'image'
        ? engine().request('firmware.remove', { sha256: removing.image.sha256 })
        : engine().request('firmware.keys.remove', { id: removing.key.id });
    done
      .then(
        () => {
          setStatus({
            kind: 'ok',
            text:
              removing.kind === 'image'
                ? `Removed version ${removing.image.version}.`
                : `Removed key “${removing.key.name}”.`,
          });
          setRemoving(null);
          load();
        },
        (e: unknown) => setRemoveError(errorMessage(e)),
      )
      .finally(() => setRemoveBusy(false));
  };

  return (
    <section className="page firmware-page">
      <div className="page-head">
        <h1>Firmware library</h1>
        <span className="muted">
          Signed images checked in full before they are kept: hash, signature against your pinned keys, size.
        </span>
      </div>
      <div className="toolbar">
        <ImportButton onStatus={setStatus} onDone={load} />
      </div>
      <StatusLine status={status} testId="firmware-status" />
      <LoadError what="the firmware library" error={loadError} onRetry={load} />
      {images === null && !loadError && <p className="muted">loading…</p>}
      {images && (
        <ImagesTable
          images={images}
          onRemove={(image) => {
            setRemoveError(null);
            setRemoving({ kind: 'image', image });
          }}
        />
      )}
      {catalog.length > 0 && (
        <>
          <h2 className="section-title">Cloud catalog</h2>
          <p className="muted small">
            Releases the cloud lists (down-sync), and whether their image is here.
          </p>
          <CatalogTable entries={catalog} />
        </>
      )}
      <h2 className="section-title">Pinned signing keys</h2>
      <p className="muted small">
        An MCUboot image is accepted only when its signature verifies with one of these keys.
      </p>
      <KeysTable
        keys={keys}
        onRemove={(key) => {
          setRemoveError(null);
          setRemoving({ kind: 'key', key });
        }}
      />
      <AddKeyForm onAdded={load} />
      {removing && (
        <ConfirmDialog
          title={
            removing.kind === 'image'
              ? `Remove firmware ${removing.image.version}?`
              : `Remove key “${removing.key.name}”?`
          }
          confirmLabel="Remove"
          busyLabel="Removing…"
          busy={removeBusy}
          error={removeError}
          onConfirm={confirmRemove}
          onCancel={() => setRemoving(null)}
          testId="firmware-remove-dialog"
        >
          <p>
            {removing.kind === 'image'
              ? `${removing.image.fileName} (${formatBytes(removing.image.size)}) is deleted from this computer. Import it again to use it.`
              : `${removing.key.images} image(s) signed with it stay listed but are no longer used for updates, and new images signed with it are refused.`}
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
