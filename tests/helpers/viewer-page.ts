/**
 * What the viewer's browser tests do alike: open the viewer in a new browser context and sign in
 * with a key, and run axe-core in the page (evaluated over the DevTools protocol, which the page's
 * CSP does not govern).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';

const axeSource = fs.readFileSync(path.resolve('node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/** A new context of `viewport` (kept in `contexts`, to be closed by the test) at `url`, signed in with `key`. */
export async function signedInPage(browser: Browser, contexts: BrowserContext[], url: string, key: string, viewport: { width: number; height: number }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(url);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'views' }).waitFor();
  return page;
}

/** axe-core's violations in the page of the given impacts, one line each ("view: rule (impact) at targets"). */
export async function axeViolations(page: Page, view: string, impacts: readonly string[]): Promise<string[]> {
  await page.evaluate(axeSource);
  const { violations, checked } = await page.evaluate(async () => {
    type Rule = { id: string; impact: string; nodes: { target: string[] }[] };
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: unknown): Promise<{ violations: Rule[]; passes: Rule[] }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return { checked: r.passes.length + r.violations.length, violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })) };
  });
  assert.ok(checked > 10, `axe-core ran its rules on ${view} (${checked})`);
  return violations.filter((v) => impacts.includes(v.impact)).map((v) => `${view}: ${v.id} (${v.impact}) at ${v.targets.join(', ')}`);
}

/** Screenshots of a viewer test, written to `outDir` (made here) as `name`. */
export function screenshotsIn(outDir: string): (page: Page, name: string) => Promise<Buffer> {
  fs.mkdirSync(outDir, { recursive: true });
  return (page, name) => page.screenshot({ path: path.join(outDir, name), fullPage: false });
}
