/**
 * Record: notes, then the device goes into the registry as commissioned and the report is
 * written. Afterwards: the report (printable HTML or CSV) and, in batch mode, the next
 * device with the same settings (over BLE, a peripheral picked for it).
 */
import { useEffect, useState } from 'react';
import type { CommissioningSession } from '../../common/commissioning-contract';
import { FileButtons } from '../export/FileButtons';
import { hrefFor, navigate } from '../router';
import { engine } from '../rpc/engine';
import { applySession, draftKey, useDraft } from '../state/commissioning';
import { Field } from '../tools/Field';
import { errorMessage, usePoll } from '../tools/use-poll';
import { StepFrame, type StepProps } from './StepFrame';
import { type Errors, parseRecord, type RecordFields } from './wizard-forms';
import { peripheralsUsed, suggestNextPeripheral } from './wizard-model';

const REPORT_CHOICES = [
  { format: 'html', label: 'Printable report (HTML)', testId: 'report-html' },
  { format: 'csv', label: 'CSV', testId: 'report-csv' },
] as const;

export function ReportButtons({
  params,
  label,
}: {
  params: { sessionId: string } | { batchId: string };
  label: string;
}) {
  return (
    <FileButtons
      choices={REPORT_CHOICES}
      fetchFile={(format) => engine().request('commissioning.report', { ...params, format })}
      busyLabel="Preparing…"
      buttonClassName="small-button"
      lead={<span>{label}</span>}
    />
  );
}

const NEXT_PERIPHERAL_POLL_MS = 2000;

/**
 * Over BLE the next device is another peripheral: offered from the same adapter, the
 * strongest one this batch has not used preselected. (Over serial it is the same port.)
 */
function NextPeripheral({
  session,
  value,
  onChange,
}: {
  session: CommissioningSession;
  value: string;
  onChange(peripheralId: string): void;
}) {
  const link = session.link?.kind === 'ble' ? session.link : null;
  const connectorId = link?.connectorId ?? '';
  const peripherals = usePoll(
    () => engine().request('ble.peripherals', { connectorId }),
    NEXT_PERIPHERAL_POLL_MS,
    `next-ble-${connectorId}`,
    connectorId !== '',
  );
  const batch = usePoll(
    () =>
      session.batchId
        ? engine().request('commissioning.list', { batchId: session.batchId })
        : Promise.resolve([session]),
    NEXT_PERIPHERAL_POLL_MS * 2,
    `next-batch-${session.batchId ?? session.id}`,
    connectorId !== '',
  );
  const used = peripheralsUsed([...(batch.data ?? []), session]);
  const seen = [...(peripherals.data ?? [])].sort((a, b) => b.rssi - a.rssi);
  const suggestion = peripherals.data && batch.data ? suggestNextPeripheral(seen, used) : '';
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a fresh suggestion fills an empty choice
  useEffect(() => {
    if (value === '' && suggestion !== '') onChange(suggestion);
  }, [suggestion]);
  return (
    <Field
      label="Next device"
      hint={peripherals.error ?? `${seen.length} seen on ${connectorId}; used in this batch are marked`}
    >
      <select value={value} onChange={(e) => onChange(e.target.value)} data-testid="next-peripheral">
        <option value="">{peripherals.data === null ? 'scanning…' : 'choose the next device…'}</option>
        {seen.map((p) => (
          <option key={p.id} value={p.id} disabled={!p.connectable}>
            {p.name ?? '(no name)'} — {p.address} — {p.rssi} dBm
            {used.has(p.id) ? ' (already in this batch)' : ''}
          </option>
        ))}
      </select>
    </Field>
  );
}

export function NextDevice({ session }: { session: CommissioningSession }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [peripheralId, setPeripheralId] = useState('');
  const ble = session.link?.kind === 'ble' ? session.link : null;
  const next = (runAll: boolean) => {
    if (ble && peripheralId === '') return setError('choose the next device');
    setBusy(true);
    setError(null);
    engine()
      .request('commissioning.next', {
        sessionId: session.id,
        run: runAll,
        ...(ble ? { link: { kind: 'ble' as const, connectorId: ble.connectorId, peripheralId } } : {}),
      })
      .then(
        (s) => {
          applySession(s);
          navigate({ name: 'commission-session', sessionId: s.id });
        },
        (e: unknown) => setError(errorMessage(e)),
      )
      .finally(() => setBusy(false));
  };
  return (
    <div className="next-device panel" data-testid="next-device">
      <strong>Next device</strong>
      <p className="muted small">
        Same site, profile, tags, credential kind and network; the id and name are counted up.{' '}
        {ble
          ? 'Power the next device up near this computer and pick it below.'
          : 'Plug the next device into the same port first.'}
      </p>
      {ble && <NextPeripheral session={session} value={peripheralId} onChange={setPeripheralId} />}
      <div className="form-actions">
        <button type="button" onClick={() => next(false)} disabled={busy} data-testid="commission-next">
          Commission next device
        </button>
        <button type="button" onClick={() => next(true)} disabled={busy} data-testid="commission-next-run">
          Next device, run every step
        </button>
        {session.batchId && (
          <a href={hrefFor({ name: 'commission-batch', batchId: session.batchId })} data-testid="batch-link">
            Batch {session.batchId}
          </a>
        )}
        {error && (
          <span className="form-error" role="alert">
            {error}
          </span>
        )}
      </div>
    </div>
  );
}

export function RecordStep({ session, run, busy }: StepProps) {
  const key = draftKey(session.id, 'record');
  const [fields, setFields] = useDraft<RecordFields>(key, () => ({ notes: session.notes }));
  const [errors, setErrors] = useState<Errors<RecordFields>>({});
  const submit = () => {
    const parsed = parseRecord(fields);
    if (!parsed.ok) return setErrors(parsed.errors);
    setErrors({});
    void run(parsed.value);
  };
  const done = session.steps.record.state === 'done';
  return (
    <>
      <StepFrame
        session={session}
        step="record"
        title="Record"
        intro="Adds the device to the registry as commissioned, with everything above, and writes the commissioning report."
        submitLabel="Finish and record"
        busy={busy}
        onSubmit={submit}
      >
        <Field label="Notes" hint="on the report: where it is mounted, anything odd">
          <textarea
            rows={3}
            maxLength={2000}
            value={fields.notes}
            aria-invalid={errors.notes ? true : undefined}
            onChange={(e) => setFields({ notes: e.target.value })}
            data-testid="record-notes"
          />
          {errors.notes && <span className="field-error">{errors.notes}</span>}
        </Field>
      </StepFrame>
      <ReportButtons params={{ sessionId: session.id }} label="This device's report:" />
      {done && <NextDevice session={session} />}
    </>
  );
}
