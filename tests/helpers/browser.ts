/**
 * Headless Chromium for the viewer's browser tests: Debian's `chromium` package driven by
 * playwright-core (whose own browser downloads cannot work offline), provisioned by `npm test`
 * before any test starts (infra/test-tools.ts). MEMFLOW_CHROMIUM names another executable.
 */
import { chromium, type Browser } from 'playwright-core';
import { provisionedChromium } from '../../infra/test-tools.js';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumPath(): string {
  const found = provisionedChromium();
  if (found) return found;
  throw new Error(
    'the viewer tests need Chromium: `npm test` installs Debian\'s package when it may (root); otherwise `sudo apt-get install -y chromium`, or set MEMFLOW_CHROMIUM to a Chromium/Chrome executable',
  );
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true });
}
