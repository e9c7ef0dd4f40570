import { describe, expect, test } from 'vitest';
import { RpcError } from '../../common/protocol';
import { FIELD_ALIASES, SERIAL_LABELS } from './connector-config';
import { errorSummary, formErrorsFromError, pathMapper } from './form-errors';

describe('form errors from the engine’s INVALID_PARAMS issues', () => {
  const keys = ['id', 'label', 'url', 'topicTemplates', 'serviceUuids', 'namePrefix', 'port'] as const;
  const fieldOf = pathMapper(keys, FIELD_ALIASES, 'config');

  test('paths map to fields, through aliases and a request prefix', () => {
    expect(fieldOf('label')).toBe('label');
    expect(fieldOf('config.label')).toBe('label');
    expect(fieldOf('scan.serviceUuids.1')).toBe('serviceUuids');
    expect(fieldOf('subscriptions.0.topicTemplate')).toBe('topicTemplates');
    expect(fieldOf('reconnectMinMs')).toBeNull();
    expect(fieldOf('')).toBeNull();
  });

  test('every issue is shown: beside its field, or in the summary with its path', () => {
    const error = new RpcError('INVALID_PARAMS', 'invalid mqtt connector: …', [
      { path: 'label', message: 'at most 200 characters' },
      { path: 'port', message: 'a whole number from 1 to 65535' },
      { path: 'port', message: 'second message for the same field' },
      { path: 'reconnectMinMs', message: 'a whole number from 10 to 600000' },
      { path: '', message: 'unknown setting "x"' },
    ]);
    const e = formErrorsFromError(error, fieldOf);
    expect(e.fields).toEqual({ label: 'at most 200 characters', port: 'a whole number from 1 to 65535' });
    expect(e.other).toEqual(['reconnectMinMs: a whole number from 10 to 600000', 'unknown setting "x"']);
    expect(errorSummary(e, { label: 'Label', port: 'Port' })).toEqual([
      'Label: at most 200 characters',
      'Port: a whole number from 1 to 65535',
      'reconnectMinMs: a whole number from 10 to 600000',
      'unknown setting "x"',
    ]);
  });

  test('an error without issues is shown as its message', () => {
    expect(formErrorsFromError(new Error('connector "x" exists already'), fieldOf)).toEqual({
      fields: {},
      other: ['connector "x" exists already'],
    });
    expect(errorSummary({ fields: { path: 'required' }, other: [] }, SERIAL_LABELS)).toEqual([
      'Path: required',
    ]);
  });
});
