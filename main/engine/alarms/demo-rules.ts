/**
 * Rules the demo site ships so a new user sees the whole alarm cycle with no hardware. Their
 * limits sit inside the swing of the demo plant's simulated signals (resources/demo-site.json),
 * so each fires and clears every few minutes: a deadband that holds through noise, an
 * on-delay, a ladder that steps up and back down, and an offline alarm for any device.
 */
import { type Rule, RuleSchema } from '../../../common/alarm-contract';

export const DEMO_RULES: readonly Rule[] = [
  RuleSchema.parse({
    id: 'demo-boiler-room-hot',
    name: 'Boiler room too warm',
    description:
      'Above 31.6 °C for 15 s; clears below 31.0 °C (0.6 °C deadband). The room swings ±0.8 °C every 4 min.',
    target: { deviceIds: ['th-131'], metric: 'temperature' },
    condition: {
      kind: 'threshold',
      levels: [{ severity: 'warning', above: { value: 31.6, deadband: 0.6 } }],
    },
    onDelayMs: 15_000,
    labels: { area: 'utilities' },
  }),
  RuleSchema.parse({
    id: 'demo-cold-room-warm',
    name: 'Cold room 1 above 4 °C',
    description: 'Latching: stays active until someone acknowledges it. Clears below 3.7 °C.',
    target: { deviceIds: ['th-101'], metric: 'temperature' },
    condition: { kind: 'threshold', levels: [{ severity: 'high', above: { value: 4.1, deadband: 0.4 } }] },
    onDelayMs: 10_000,
    latching: true,
    labels: { area: 'cold-store' },
  }),
  RuleSchema.parse({
    id: 'demo-incomer-power',
    name: 'Main incomer power high',
    description:
      'A ladder: warning above 720 kW, high above 760 kW, each with a 20 kW deadband; 3 of the last 5 readings must agree.',
    target: { deviceIds: ['pm-301'], metric: 'power' },
    condition: {
      kind: 'threshold',
      levels: [
        { severity: 'warning', above: { value: 720, deadband: 20 } },
        { severity: 'high', above: { value: 760, deadband: 20 } },
      ],
    },
    confirm: { n: 3, m: 5 },
    labels: { area: 'electrical' },
  }),
  RuleSchema.parse({
    id: 'demo-device-offline',
    name: 'Device offline',
    description:
      "Any device that stops reporting; while it is on, that device's own value alarms are suppressed.",
    target: {},
    condition: { kind: 'offline', severity: 'high' },
    labels: { area: 'site' },
  }),
];
