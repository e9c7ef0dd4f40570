/**
 * What the commissioning e2e tests share: driving the wizard's steps through the page the
 * way a technician does (forms, the run button, the step list's marks), and reading the
 * downloads the report buttons produce.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { CommissioningStep } from '../common/commissioning-contract';
import { ensureArtifactsDir } from './harness';

export function wizardDriver(page: Page) {
  const step = (s: CommissioningStep) => page.getByTestId(`step-${s}`);
  const nav = (s: CommissioningStep) => page.getByTestId(`wizard-nav-${s}`);
  /** when each step last changed before it was run: settled() waits for a newer outcome */
  const before = new Map<CommissioningStep, string>();
  const press = async (s: CommissioningStep, button: 'step-run' | 'step-retry') => {
    await step(s).waitFor({ timeout: 10_000 });
    before.set(s, (await nav(s).getAttribute('data-at')) ?? '');
    await step(s).getByTestId(button).click();
  };
  return {
    step,
    /** the session id the wizard shows */
    async sessionId(): Promise<string> {
      return (await page.getByTestId('wizard').getAttribute('data-session-id')) ?? '';
    },
    /** presses the step's run button (the wizard must be showing that step) */
    run: (s: CommissioningStep) => press(s, 'step-run'),
    /** presses Retry in the step's failure notice */
    retry: (s: CommissioningStep) => press(s, 'step-retry'),
    /** waits until the step run last has an outcome (not the one it had before), and says which */
    async settled(s: CommissioningStep, timeoutMs = 30_000): Promise<'done' | 'failed'> {
      const old = before.get(s) ?? '';
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        // both read in one go: two reads could straddle a re-render (an old mark with a new time)
        const [mark, at] = await nav(s).evaluate((el) => [
          el.getAttribute('data-mark'),
          el.getAttribute('data-at') ?? '',
        ]);
        if ((mark === 'done' || mark === 'failed') && at !== old) return mark;
        if (Date.now() > deadline)
          throw new Error(`step ${s} did not finish in ${timeoutMs} ms (mark ${mark}, at ${at})`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    /** waits for the step run last to succeed; a failure throws with what the wizard showed */
    async done(s: CommissioningStep, timeoutMs = 30_000): Promise<void> {
      if ((await this.settled(s, timeoutMs)) === 'done') return;
      const shown = await this.failure(s);
      throw new Error(`step ${s} failed: ${shown.error} — ${shown.diagnosis}`);
    },
    /** the step's error and diagnosis as shown */
    async failure(s: CommissioningStep): Promise<{ error: string; diagnosis: string }> {
      const notice = step(s).getByTestId('step-error');
      await notice.waitFor({ timeout: 10_000 });
      const diagnosis = step(s).getByTestId('step-diagnosis');
      return {
        error: (await notice.locator('strong').textContent()) ?? '',
        diagnosis: (await diagnosis.count()) > 0 ? ((await diagnosis.textContent()) ?? '') : '',
      };
    },
    async view(s: CommissioningStep): Promise<void> {
      await page.getByTestId(`wizard-nav-${s}`).click();
      await step(s).waitFor({ timeout: 10_000 });
    },
    async screenshot(name: string): Promise<void> {
      await page.screenshot({
        path: path.join(ensureArtifactsDir(), `commission-${name}.png`),
        fullPage: true,
      });
    },
  };
}

/** Clicks a button that downloads a file and returns the file's name and text. */
export async function downloadOf(
  page: Page,
  click: () => Promise<void>,
): Promise<{ filename: string; text: string }> {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), click()]);
  const file = await download.path();
  return { filename: download.suggestedFilename(), text: readFileSync(file, 'utf8') };
}

/** Picks the option of a select whose label starts with `prefix` (labels carry RSSI, which moves). */
export async function selectByLabelPrefix(page: Page, testId: string, prefix: string): Promise<string> {
  const select = page.getByTestId(testId);
  const value = await select.evaluate((el, p) => {
    // no DOM types on the Node side: the select's options, structurally
    const { options } = el as unknown as {
      options: ArrayLike<{ text: string; value: string; disabled: boolean }>;
    };
    const option = Array.from(options).find((o) => o.text.startsWith(p) && !o.disabled);
    return option?.value ?? '';
  }, prefix);
  if (value === '') throw new Error(`no option starting with "${prefix}" in ${testId}`);
  await select.selectOption(value);
  return value;
}
