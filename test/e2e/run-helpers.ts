/** Helpers of the code-execution tests: set the code, run it, read the shared runs as rendered. */
import type { Page } from 'playwright-core';

/** What a rendered run shows. */
export interface RenderedRun {
  status: string;
  by: string;
  output: string;
  stdout: string;
  stderr: string;
}

/** Replaces the page's code (through CodeMirror, so it syncs like typing) and sets the language. */
export async function setCode(page: Page, code: string, language: 'javascript' | 'python' = 'javascript'): Promise<void> {
  await page.locator('interview-room').first().evaluate(
    (el, [text, lang]) => {
      const room = el as HTMLElement & { language: string; setLanguage(l: string): void; editorView: { state: { doc: { length: number } }; dispatch(tr: unknown): void } };
      if (room.language !== lang) room.setLanguage(lang!);
      room.editorView.dispatch({ changes: { from: 0, to: room.editorView.state.doc.length, insert: text } });
    },
    [code, language] as const,
  );
}

/** The runs the page renders, oldest first. */
export async function renderedRuns(page: Page): Promise<RenderedRun[]> {
  return page.locator('interview-room').first().evaluate((el) =>
    // No named inner functions here: tsx would wrap them in a helper the page does not have.
    [...(el.shadowRoot?.querySelectorAll('.run') ?? [])].map((run) => ({
      status: run.getAttribute('data-status') ?? '',
      by: run.querySelector('.run-by')?.textContent ?? '',
      output: run.querySelector('.run-output')?.textContent ?? '',
      stdout: [...run.querySelectorAll('.run-output .stdout')].map((node) => node.textContent ?? '').join(''),
      stderr: [...run.querySelectorAll('.run-output .stderr')].map((node) => node.textContent ?? '').join(''),
    })),
  );
}

/** Waits until the page shows `count` runs and the last one is no longer running; returns it. */
export async function lastFinishedRun(page: Page, count: number, timeoutMs = 15_000): Promise<RenderedRun> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const runs = await renderedRuns(page);
    const last = runs[runs.length - 1];
    if (runs.length >= count && last && last.status !== 'running') return last;
    if (Date.now() > deadline) throw new Error(`no finished run #${count} after ${timeoutMs} ms: ${JSON.stringify(runs.slice(-1))}`);
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
}

/** Sets the code, presses Run and waits for the run to finish; returns it as rendered. */
export async function runAndWait(page: Page, code: string, language: 'javascript' | 'python' = 'javascript', timeoutMs = 15_000): Promise<RenderedRun> {
  const before = (await renderedRuns(page)).length;
  await setCode(page, code, language);
  await page.locator('interview-room [part="run"]').first().click();
  return lastFinishedRun(page, before + 1, timeoutMs);
}
