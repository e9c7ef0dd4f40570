/**
 * The killed side of the SIGKILL test, in its own process: runs (or resumes) the kill script
 * on the given data folder, printing `step <n>` after each commit, slowed by a yield per step
 * so the parent's SIGKILL lands at an arbitrary point. Args: <dataDir> <seed>
 */
import { runKillScript } from './alarm-kill-script';
import { openAlarmFixture } from './alarm-test-fixture';

const [dataDir = '', seed = '1'] = process.argv.slice(2);
const f = openAlarmFixture(dataDir);
runKillScript(f, Number(seed), (step) => {
  process.stdout.write(`step ${step}\n`);
  // a busy moment between commits, so kills land inside and between transactions alike
  const until = performance.now() + 0.5;
  while (performance.now() < until) {}
});
f.close();
process.stdout.write('done\n');
