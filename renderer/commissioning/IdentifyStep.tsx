/**
 * Identify: read what the device says it is (Improv device info, Device Information,
 * config protocol). The device's firmware can be flashed here too, over the wizard's link (USB
 * serial or Bluetooth LE), before it gets its credentials (the same panel as on the device page).
 */
import { FirmwarePanel } from '../firmware/FirmwarePanel';
import { Facts, StepFrame, type StepProps } from './StepFrame';

export function IdentifyStep({ session, run, busy }: StepProps) {
  const id = session.identity;
  const link = session.link;
  const finished = session.status !== 'in-progress';
  return (
    <>
      <StepFrame
        session={session}
        step="identify"
        title="Identify"
        intro="Reads the device's model, serial number and firmware, and which provisioning protocols it speaks."
        submitLabel="Read device info"
        busy={busy}
        onSubmit={() => void run({ step: 'identify' })}
        result={
          id && (
            <Facts
              items={[
                ['Model', id.model],
                ['Serial number', id.serialNumber],
                ['MAC', id.mac],
                ['Firmware', [id.firmwareName, id.firmwareVersion].filter(Boolean).join(' ') || null],
                ['Hardware', id.hardwareVersion],
                ['Improv Wi-Fi', id.improv ? `yes (${id.improvState ?? 'state unknown'})` : 'no'],
                ['Configuration protocol', id.configProtocol ? 'yes' : 'no'],
                ['Already commissioned as', id.existingDeviceId],
              ]}
            />
          )
        }
      />
      {link?.kind === 'serial' && !finished && (
        <FirmwarePanel target={{ port: link.path, baudRate: link.baudRate }} />
      )}
      {link?.kind === 'ble' && !finished && (
        <FirmwarePanel target={{ peripheralId: link.peripheralId }} over="ble" />
      )}
    </>
  );
}
