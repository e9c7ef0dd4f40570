/**
 * Firmware on one device over its USB cable or Bluetooth LE (SMP): the image slots as the device reports
 * them, the compatible images of the library to pick from, Flash, the step in progress
 * with bytes/s and time left, Cancel, the result in plain words and Resume for a job an
 * engine restart or a pulled cable stopped. Used on the device page and in the
 * Commission wizard. The engine runs one flash job at a time and keeps it across restarts.
 */
import { useEffect, useState } from 'react';
import type { RequestResult } from '../../common/contract';
import type { FlashJob } from '../../common/flash-contract';
import { engine } from '../rpc/engine';
import { errorMessage } from '../tools/use-poll';
import {
  canResume,
  type FlashTarget,
  imageNote,
  jobIsFor,
  progressText,
  resultText,
  STEP_TEXT,
  stepText,
} from './flash-view';

type Images = RequestResult<'flash.images'>;
type Slots = RequestResult<'flash.slots'>;

const OUTCOME_CLASS: Record<NonNullable<FlashJob['result']>['outcome'], string> = {
  installed: 'notice notice-ok',
  'already-installed': 'notice notice-info',
  reverted: 'notice notice-warn',
  failed: 'notice notice-error',
  cancelled: 'notice notice-info',
};

function SlotTable({ slots }: { slots: Slots }) {
  return (
    <table className="grid flash-slots" data-testid="flash-slots">
      <thead>
        <tr>
          <th scope="col">Slot</th>
          <th scope="col">Version</th>
          <th scope="col">State</th>
          <th scope="col">Hash</th>
        </tr>
      </thead>
      <tbody>
        {slots.map((s) => (
          <tr key={s.slot} data-testid={`flash-slot-${s.slot}`}>
            <td>{s.slot}</td>
            <td className="mono">{s.version}</td>
            <td>
              {[s.active && 'running', s.confirmed && 'confirmed', s.pending && 'pending test']
                .filter(Boolean)
                .join(', ') || 'stored'}
            </td>
            <td className="mono" title={s.hash}>
              {s.hash.slice(0, 12)}…
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function JobView({ job }: { job: FlashJob }) {
  const { progress, result } = job;
  const fraction = progress && progress.total > 0 ? progress.offset / progress.total : undefined;
  return (
    <div data-testid="flash-job" data-state={job.state} data-outcome={result?.outcome ?? ''}>
      {job.state === 'running' && (
        <div className="wizard-progress flash-progress" role="status" data-testid="flash-progress">
          <strong data-testid="flash-step">{stepText(job)}…</strong>
          <progress
            aria-label={`Flashing ${job.version}`}
            max={1}
            {...(fraction === undefined ? {} : { value: fraction })}
          />
          {progress && (
            <span className="mono small" data-testid="flash-rate">
              {progressText(progress)}
            </span>
          )}
        </div>
      )}
      {job.state === 'interrupted' && (
        <div className="notice notice-warn" role="status" data-testid="flash-interrupted">
          Flashing {job.version} was interrupted (the app stopped during “
          {job.step ? STEP_TEXT[job.step].toLowerCase() : 'starting'}”). Resume continues from where the
          device stopped.
        </div>
      )}
      {result && (
        <div className={OUTCOME_CLASS[result.outcome]} role="status" data-testid="flash-result">
          {resultText(result)}
        </div>
      )}
    </div>
  );
}

const OVER_TEXT = { serial: 'the USB cable', ble: 'Bluetooth LE' } as const;

export function FirmwarePanel({ target, over = 'serial' }: { target: FlashTarget; over?: 'serial' | 'ble' }) {
  const [images, setImages] = useState<Images | null>(null);
  const [slots, setSlots] = useState<Slots | null>(null);
  const [job, setJob] = useState<FlashJob | null>(null);
  const [picked, setPicked] = useState('');
  // the operator's explicit go-ahead for an image whose (or whose device's) hardware is unknown
  const [override, setOverride] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const targetKey = JSON.stringify(target);

  // biome-ignore lint/correctness/useExhaustiveDependencies: targetKey stands for target
  useEffect(() => {
    let live = true;
    engine()
      .request('flash.images', { target })
      .then(
        (list) => live && setImages(list),
        (e: unknown) => live && setError(errorMessage(e)),
      );
    return () => {
      live = false;
    };
  }, [targetKey]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: targetKey stands for target
  useEffect(() => {
    setJob(null);
    const keep = (j: FlashJob | null) => setJob(j && jobIsFor(j, target) ? j : null);
    void engine()
      .request('flash.status')
      .then(keep, () => {});
    return engine().subscribe('flash.progress', undefined, keep);
  }, [targetKey]);

  // verified images, less those the device's slots rule out (older than what it runs)
  const noted = (images ?? []).map((i) => ({ ...i, note: i.compatible ? imageNote(i, slots) : null }));
  const compatible = noted.filter((i) => i.compatible && i.note?.offered !== false);
  const refused = noted
    .filter((i) => !i.compatible || i.note?.offered === false)
    .map((i) => ({ ...i, reason: i.reason ?? i.note?.note ?? null }));
  const running = job?.state === 'running';
  const selected = compatible.some((i) => i.sha256 === picked) ? picked : (compatible[0]?.sha256 ?? '');
  const unknownTarget = compatible.find((i) => i.sha256 === selected && i.target === 'unknown');

  const act = async (what: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await what();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  const readSlots = () => act(async () => setSlots(await engine().request('flash.slots', target)));
  // what the slots said before flashing is stale once it starts
  const flash = () =>
    act(async () => {
      setSlots(null);
      setJob(
        await engine().request('flash.start', {
          target,
          sha256: selected,
          ...(unknownTarget && override ? { allowUnknownTarget: true } : {}),
        }),
      );
    });
  const resume = () =>
    act(async () => {
      setSlots(null);
      setJob(await engine().request('flash.resume'));
    });
  const cancel = () => act(() => engine().request('flash.cancel'));

  return (
    <section className="panel firmware-panel" aria-label="Firmware" data-testid="firmware-panel">
      <h2 className="section-title">Firmware</h2>
      <p className="muted small">
        Flashed over {OVER_TEXT[over]} with MCUboot’s safe sequence: the new image boots once as a test and is
        confirmed only when the device is back and healthy; otherwise it is reverted.
      </p>
      <div className="form-actions">
        <button type="button" onClick={readSlots} disabled={busy || running} data-testid="flash-read-slots">
          Read slots from the device
        </button>
      </div>
      {slots && <SlotTable slots={slots} />}
      {images === null ? (
        <p className="muted">loading images…</p>
      ) : compatible.length === 0 ? (
        <p className="muted" data-testid="flash-no-images">
          No image in the library can be flashed to this device: import a signed, newer image first.
        </p>
      ) : (
        <div className="form-actions">
          <label>
            Image{' '}
            <select
              value={selected}
              onChange={(e) => {
                setPicked(e.target.value);
                setOverride(false);
              }}
              disabled={running}
              data-testid="flash-image"
            >
              {compatible.map((i) => (
                <option key={i.sha256} value={i.sha256}>
                  {i.version} ({Math.ceil(i.size / 1024)} KiB, {i.sha256.slice(0, 8)})
                  {i.note ? `, ${i.note.note}` : ''}
                  {i.target === 'unknown' ? ', hardware not known' : ''}
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            className="primary-button"
            onClick={flash}
            disabled={busy || running || !selected || (unknownTarget !== undefined && !override)}
            data-testid="flash-start"
          >
            Flash
          </button>
        </div>
      )}
      {unknownTarget && (
        <div className="notice notice-warn" data-testid="flash-target-unknown">
          <p>
            Fieldline cannot tell whether this image fits this device: {unknownTarget.targetReason}. An image
            built for other hardware may not boot.
          </p>
          <label>
            <input
              type="checkbox"
              checked={override}
              onChange={(e) => setOverride(e.target.checked)}
              disabled={running}
              data-testid="flash-target-override"
            />{' '}
            I know this image is for this device: flash it anyway (recorded in the audit log)
          </label>
        </div>
      )}
      {refused.length > 0 && (
        <details className="small" data-testid="flash-refused-images">
          <summary>
            {refused.length} image{refused.length === 1 ? '' : 's'} not offered
          </summary>
          <ul>
            {refused.map((i) => (
              <li key={i.sha256}>
                <span className="mono">{i.version || i.sha256.slice(0, 12)}</span>: {i.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
      {job && <JobView job={job} />}
      {(running || (job && canResume(job))) && (
        <div className="form-actions">
          {running && (
            <button type="button" className="danger" onClick={cancel} data-testid="flash-cancel">
              Cancel
            </button>
          )}
          {job && canResume(job) && (
            <button type="button" onClick={resume} disabled={busy} data-testid="flash-resume">
              Resume
            </button>
          )}
        </div>
      )}
      {error && (
        <div className="notice notice-error" role="alert" data-testid="flash-error">
          {error}
        </div>
      )}
    </section>
  );
}
