import type { Reporter, TestCase, TestModule } from 'vitest/node';

// Vitest says only "Worker exited unexpectedly" when a test file's process dies (a native
// crash, a signal): it names neither the file nor the test. CI keeps only the tail of its
// output, so this reporter prints, last of all, each file that did not finish and the tests
// that were running in it when it stopped.
export default class UnfinishedReporter implements Reporter {
  private readonly running = new Map<string, Set<string>>();
  private readonly finished = new Set<string>();

  onTestModuleStart(testModule: TestModule): void {
    this.running.set(testModule.moduleId, new Set());
  }

  onTestCaseReady(testCase: TestCase): void {
    this.running.get(testCase.module.moduleId)?.add(testCase.fullName);
  }

  onTestCaseResult(testCase: TestCase): void {
    this.running.get(testCase.module.moduleId)?.delete(testCase.fullName);
  }

  onTestModuleEnd(testModule: TestModule): void {
    if (testModule.ok()) this.finished.add(testModule.moduleId);
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const lines: string[] = [];
    for (const m of testModules) {
      if (this.finished.has(m.moduleId) || m.state() === 'skipped') continue;
      const inFlight = [...(this.running.get(m.moduleId) ?? [])];
      lines.push(`  ${m.relativeModuleId} (${m.state()})`);
      for (const name of inFlight) lines.push(`    running: ${name}`);
    }
    if (lines.length) process.stderr.write(`\nTest files that did not pass:\n${lines.join('\n')}\n`);
  }
}
