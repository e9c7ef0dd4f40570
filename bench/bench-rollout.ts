/**
 * npm run bench:rollout [devices]
 *
 * The rollout orchestration figure on its own (bench:ota prints it too): see
 * bench/rollout/orchestration.ts for what it measures.
 */
import { measureRolloutOrchestration } from './rollout/orchestration';

if (!measureRolloutOrchestration(Number(process.argv[2] ?? 10_000), (line) => console.log(line)))
  process.exitCode = 1;
