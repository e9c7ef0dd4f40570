/** Name & profile: the device id, a name, the site, its profile (those the fleet uses are offered) and tags. */
import { useMemo, useState } from 'react';
import { draftKey, useDraft } from '../state/commissioning';
import { useDevices } from '../state/devices';
import { useRegistry } from '../state/registry';
import { Field } from '../tools/Field';
import { StepFrame, type StepProps } from './StepFrame';
import { type DetailsFields, detailsFieldsFrom, type Errors, parseDetails } from './wizard-forms';

/** The device profiles shipped in resources/profiles, offered even on an empty fleet. */
const BUILT_IN_PROFILES = ['env-sensor', 'power-meter', 'pressure-sensor', 'pump'];

export function DetailsStep({ session, run, busy }: StepProps) {
  const key = draftKey(session.id, 'details');
  const [fields, setFields] = useDraft(key, () => detailsFieldsFrom(session));
  const [errors, setErrors] = useState<Errors<DetailsFields>>({});
  const devices = useDevices((s) => s.devices);
  const sites = useRegistry((s) => s.facets)?.sites ?? [];
  const profiles = useMemo(
    () => [...new Set([...BUILT_IN_PROFILES, ...devices.map((d) => d.profile)])].filter(Boolean).sort(),
    [devices],
  );
  const set = (patch: Partial<DetailsFields>) => setFields({ ...fields, ...patch });
  const submit = () => {
    const parsed = parseDetails(fields);
    if (!parsed.ok) return setErrors(parsed.errors);
    setErrors({});
    void run(parsed.value);
  };
  const input = (
    name: keyof DetailsFields,
    label: string,
    extra: { list?: string; placeholder?: string; hint?: string } = {},
  ) => (
    <Field label={label} hint={extra.hint}>
      <input
        value={fields[name]}
        list={extra.list}
        placeholder={extra.placeholder}
        aria-invalid={errors[name] ? true : undefined}
        onChange={(e) => set({ [name]: e.target.value })}
        data-testid={`details-${name}`}
      />
      {errors[name] && <span className="field-error">{errors[name]}</span>}
    </Field>
  );
  return (
    <StepFrame
      session={session}
      step="details"
      title="Name & profile"
      intro="How the device is known in the registry. In a batch these come from the previous device, with the number counted up."
      submitLabel="Save details"
      busy={busy}
      onSubmit={submit}
    >
      <div className="form-grid">
        {input('deviceId', 'Device id', { placeholder: 'pump-07', hint: 'letters, digits, . _ -' })}
        {input('name', 'Name', { placeholder: 'Cooling pump 7' })}
        {input('site', 'Site', { list: 'wizard-sites' })}
        <Field label="Profile" hint="units, ranges and checks for its readings">
          <select
            value={fields.profile}
            aria-invalid={errors.profile ? true : undefined}
            onChange={(e) => set({ profile: e.target.value })}
            data-testid="details-profile"
          >
            <option value="">choose a profile…</option>
            {(profiles.includes(fields.profile) || fields.profile === ''
              ? profiles
              : [fields.profile, ...profiles]
            ).map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
          {errors.profile && <span className="field-error">{errors.profile}</span>}
        </Field>
        {input('tags', 'Tags', { placeholder: 'north, cooling', hint: 'separated by commas or spaces' })}
      </div>
      <datalist id="wizard-sites">
        {sites.map((s) => (
          <option key={s} value={s} />
        ))}
      </datalist>
    </StepFrame>
  );
}
