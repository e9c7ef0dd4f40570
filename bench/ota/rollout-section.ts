/**
 * bench:ota section: rollout orchestration, what bench:rollout measures (10,000 simulated
 * devices through every state on the campaign engine and a real SQLite file). A device
 * state never reached fails the run.
 */
import { measureRolloutOrchestration } from '../rollout/orchestration';
import type { OtaBenchSection } from './section';

const DEVICES = 10_000;

export const rolloutSection: OtaBenchSection = {
  title: 'Rollout orchestration',
  async run(print) {
    if (!measureRolloutOrchestration(DEVICES, print))
      throw new Error('some device state was never reached: see "states reached"');
  },
};
