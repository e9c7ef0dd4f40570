/**
 * One labelled form control; the label wraps it so getByLabel and screen readers find it.
 * With an error, the message shows beside the control (instead of the hint) and the
 * control is marked invalid and described by it.
 */
import { Children, cloneElement, isValidElement, type ReactElement, type ReactNode, useId } from 'react';

const CONTROLS = new Set(['input', 'select', 'textarea']);

interface Props {
  label: string;
  hint?: string;
  /** plain words, e.g. "a whole number from 1 to 65535" */
  error?: string | undefined;
  children: ReactNode;
}

export function Field({ label, hint, error, children }: Props) {
  const errorId = useId();
  let marked = false;
  // the first input, select or textarea is the control the error describes
  const control = error
    ? Children.map(children, (child) => {
        if (marked || !isValidElement(child) || !CONTROLS.has(child.type as string)) return child;
        marked = true;
        return cloneElement(child as ReactElement<Record<string, unknown>>, {
          'aria-invalid': true,
          'aria-describedby': errorId,
        });
      })
    : children;
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is the child, which the label wraps
    <label className={error ? 'field field-invalid' : 'field'}>
      <span className="field-label">{label}</span>
      {control}
      {error ? (
        <span id={errorId} className="field-error" data-testid="field-error" data-field={label}>
          {error}
        </span>
      ) : (
        hint && <span className="field-hint muted small">{hint}</span>
      )}
    </label>
  );
}
