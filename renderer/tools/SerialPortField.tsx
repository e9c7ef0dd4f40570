/**
 * The "Port" field of a serial link: the ports the engine enumerates, asked again every
 * second so a USB adapter plugged in now shows up, each with its maker, USB ids and serial
 * number so two alike adapters can be told apart. Picking one only fills in the path:
 * ptys and anything else not enumerated are typed into the path field beside it.
 */
import { engine } from '../rpc/engine';
import { Field } from './Field';
import { usePoll } from './use-poll';

const PORT_POLL_MS = 1000;

export function SerialPortField({
  path,
  onPick,
  testId,
  pollKey,
}: {
  /** the path typed or picked so far: selected when it is one of the listed ports */
  path: string;
  onPick(path: string): void;
  testId: string;
  /** keeps this poll apart from another picker's */
  pollKey: string;
}) {
  const ports = usePoll(() => engine().request('serial.ports'), PORT_POLL_MS, pollKey);
  return (
    <Field label="Port" hint={ports.error ?? `${ports.data?.length ?? 0} found; ptys are typed as a path`}>
      <select
        data-testid={testId}
        value={ports.data?.some((p) => p.path === path) ? path : ''}
        onChange={(e) => e.target.value && onPick(e.target.value)}
      >
        <option value="">{ports.data === null ? 'looking…' : 'choose a port…'}</option>
        {ports.data?.map((p) => (
          <option key={p.path} value={p.path}>
            {p.path}
            {p.manufacturer ? ` — ${p.manufacturer}` : ''}
            {p.vendorId ? ` (${p.vendorId}:${p.productId ?? '?'})` : ''}
            {p.serialNumber ? ` #${p.serialNumber}` : ''}
          </option>
        ))}
      </select>
    </Field>
  );
}
