/** Name & profile: the device id, a name, the site, its profile (the engine's profiles are offered) and tags. */
import { useState } from 'react';
import { draftKey, useDraft } from '../state/commissioning';
import { useRegistry } from '../state/registry';
import { Field } from '../tools/Field';
import { StepFrame, type StepProps } from './StepFrame';
import { useProfiles } from './site-hints';
import { type DetailsFields, detailsFieldsFrom, type Errors, parseDetails } from './wizard-forms';

/** as DetailsInputSchema allows; tags: 50 of at most 64 characters, with separators */
const DETAILS_MAX_LENGTH: Partial<Record<keyof DetailsFields, number>> = {
  deviceId: 64,
  name: 200,
  site: 200,
  profile: 200,
  tags: 50 * 66,
};

export function DetailsStep({ session, run, busy }: StepProps) {
  const key = draftKey(session.id, 'details');
  const [fields, setFields] = useDraft(key, () => detailsFieldsFrom(session));
  const [errors, setErrors] = useState<Errors<DetailsFields>>({});
  const sites = useRegistry((s) => s.facets)?.sites ?? [];
  // the engine refuses a profile it does not know, so only its own are offered
  const { profiles: known, error: profilesError } = useProfiles();
  const profiles = known ?? [];
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
        maxLength={DETAILS_MAX_LENGTH[name]}
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
        <Field
          label="Profile"
          hint={
            profilesError
              ? `could not list the profiles: ${profilesError}`
              : 'units, ranges and checks for its readings'
          }
        >
          <select
            value={fields.profile}
            aria-invalid={errors.profile ? true : undefined}
            onChange={(e) => set({ profile: e.target.value })}
            data-testid="details-profile"
          >
            <option value="">{known === null && !profilesError ? 'loading…' : 'choose a profile…'}</option>
            {/* a batch may carry a profile the engine no longer has: shown, so the choice is visible */}
            {fields.profile !== '' && !profiles.some((p) => p.id === fields.profile) && (
              <option value={fields.profile}>{fields.profile} (not known to the engine)</option>
            )}
            {profiles.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name && p.name !== p.id ? `${p.name} (${p.id})` : p.id}
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
