/** Identify: read what the device says it is (Improv device info, Device Information, config protocol). */
import { Facts, StepFrame, type StepProps } from './StepFrame';

export function IdentifyStep({ session, run, busy }: StepProps) {
  const id = session.identity;
  return (
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
  );
}
