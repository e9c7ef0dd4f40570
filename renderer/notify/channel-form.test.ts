import { describe, expect, it } from 'vitest';
import { ChannelSchema } from '../../common/notify-contract';
import { channelInput, emptyFields, fieldsOf } from './channel-form';

describe('channel form', () => {
  it('turns the typed e-mail fields into a channel the contract accepts', () => {
    const input = channelInput({
      ...emptyFields('email'),
      id: 'shift',
      name: 'Shift mail',
      host: 'smtp.plant.example',
      port: '587',
      user: 'alarms',
      from: 'fieldline@plant.example',
      to: 'a@plant.example, b@plant.example\nc@plant.example',
    });
    const parsed = ChannelSchema.parse(input);
    expect(parsed.config).toMatchObject({
      kind: 'email',
      to: ['a@plant.example', 'b@plant.example', 'c@plant.example'],
    });
    // an empty secret field keeps the stored one: it is not sent at all
    expect('password' in parsed.config && parsed.config.password).toBeFalsy();
  });

  it('round-trips a saved channel without its secret', () => {
    const fields = fieldsOf({
      id: 'hook',
      name: 'Hook',
      enabled: true,
      kind: 'webhook',
      config: { kind: 'webhook', url: 'https://plant.example/hook' },
      hasSecret: true,
      lastResult: null,
      pending: 0,
      deadLetters: 0,
    });
    expect(fields.url).toBe('https://plant.example/hook');
    expect(fields.secret).toBe('');
    expect(channelInput(fields)).toEqual({
      id: 'hook',
      name: 'Hook',
      config: { kind: 'webhook', url: 'https://plant.example/hook', secret: undefined },
    });
  });
});
