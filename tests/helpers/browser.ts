/**
 * Headless Chromium for the viewer's browser tests: Debian's `chromium` package driven by
 * playwright-core (whose own browser downloads cannot work offline). When the executable is missing
 * it is installed with apt-get if this process may (root), otherwise the test stops with a message
 * that says how to get it. MEMFLOW_CHROMIUM names another executable.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

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
  const named = process.env.MEMFLOW_CHROMIUM;
  if (named) {
    if (!fs.existsSync(named)) throw new Error(`MEMFLOW_CHROMIUM=${named} does not exist`);
    return named;
  }
  const found = CANDIDATES.find((p) => fs.existsSync(p));
  if (found) return found;
  if (process.getuid?.() === 0) {
    console.log('[browser] chromium is missing: apt-get install -y chromium');
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    const installed = CANDIDATES.find((p) => fs.existsSync(p));
    if (installed) return installed;
  }
  throw new Error(
    'the viewer tests need Chromium: install Debian\'s package (`sudo apt-get install -y chromium`) or set MEMFLOW_CHROMIUM to a Chromium/Chrome executable',
  );
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true });
}
