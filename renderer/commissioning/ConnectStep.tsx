/**
 * Connect: a serial port or a BLE peripheral, picked with the shared LinkPicker. On the
 * demo site the demo plant's Bluetooth connector is preselected.
 */

import { useEffect, useState } from 'react';
import { LinkPicker } from '../devices/LinkPicker';
import { describeLink } from '../devices/link-fields';
import { draftKey, hasDraft, useDraft } from '../state/commissioning';
import { Facts, StepFrame, type StepProps } from './StepFrame';
import { useDemoPlant } from './site-hints';
import { type ConnectFields, connectFieldsFrom, type Errors, parseConnect } from './wizard-forms';

export function ConnectStep({ session, run, busy }: StepProps) {
  const key = draftKey(session.id, 'connect');
  const [fields, setFields] = useDraft(key, () => connectFieldsFrom(session));
  const [errors, setErrors] = useState<Errors<ConnectFields>>({});
  const set = (patch: Partial<ConnectFields>) => setFields({ ...fields, ...patch });
  const demo = useDemoPlant();
  // biome-ignore lint/correctness/useExhaustiveDependencies: applied once, when the demo plant is known
  useEffect(() => {
    // the demo's devices are on its Bluetooth connector; a link already chosen or anything typed wins
    if (!demo || session.link || hasDraft(key)) return;
    setFields({ ...connectFieldsFrom(session), kind: 'ble', connectorId: demo.bleConnectorId });
  }, [demo]);
  const submit = () => {
    const parsed = parseConnect(fields);
    if (!parsed.ok) return setErrors(parsed.errors);
    setErrors({});
    void run(parsed.value);
  };
  const link = session.link;
  return (
    <StepFrame
      session={session}
      step="connect"
      title="Connect"
      intro="Plug the device in over USB, or power it up near this computer for Bluetooth, and pick it here."
      submitLabel="Connect"
      busy={busy}
      onSubmit={submit}
      result={
        link && (
          <Facts
            items={[
              ['Link', describeLink(link)],
              ['State', session.linkOpen ? 'open' : 'closed (reopened when a step needs it)'],
            ]}
          />
        )
      }
    >
      <LinkPicker value={fields} onChange={set} errors={errors} testIdPrefix="connect" />
    </StepFrame>
  );
}
