import fs from 'node:fs';
import type { Page } from 'playwright-core';

/** The part of an axe-core result this check reads. */
interface Violation {
  id: string;
  impact?: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/** Impacts that fail a page: a keyboard or screen-reader user is blocked, not merely slowed. */
const BLOCKING = new Set(['serious', 'critical']);

/** axe-core's source, read once. */
let source: string | undefined;

/**
 * Runs axe-core on the page's whole document and fails with a readable list (rule, impact, help, the first few
 * elements) when any violation is serious or critical. `label` names the page in the failure message.
 */
export async function expectAccessible(page: Page, label: string): Promise<void> {
  // Loaded once per document: later checks of the same page reuse it; a full navigation needs it again.
  const loaded = await page.evaluate(() => typeof (globalThis as { axe?: unknown }).axe === 'object');
  if (!loaded) {
    // Evaluated rather than added as a <script>: the dashboard's CSP refuses inline scripts, and a refusal would be
    // a console error that fails the test.
    source ??= fs.readFileSync(require.resolve('axe-core'), 'utf8');
    await page.evaluate(`${source}\n;undefined`);
  }
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<unknown> } }).axe;
    const result = (await axe.run((globalThis as { document?: unknown }).document, {
      resultTypes: ['violations'],
    })) as { violations: unknown[] };
    return result.violations;
  });
  const blocking = (violations as Violation[]).filter((v) => BLOCKING.has(v.impact ?? ''));
  if (blocking.length === 0) return;
  const lines = blocking.map((v) => {
    const targets = v.nodes
      .slice(0, 3)
      .map((n) => n.target.map(String).join(' '))
      .join(', ');
    const more = v.nodes.length > 3 ? ` (+${v.nodes.length - 3} more)` : '';
    return `- ${v.id} [${v.impact}] ${v.help}: ${targets}${more}`;
  });
  throw new Error(`${label}: ${blocking.length} serious or critical accessibility violation(s)\n${lines.join('\n')}`);
}
