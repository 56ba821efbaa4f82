/**
 * Headless Chromium for the dashboard's end-to-end tests: Debian's `chromium` driven by
 * playwright-core (never a downloaded browser), started with the flags a closed network needs.
 * Screenshots go to `test-artifacts/dashboard/` in the repository (git-ignored), to be looked at.
 *
 * `browserMissing()` is the reason the browser tests cannot run (scripts/setup.sh installs
 * Chromium as root; elsewhere it prints the command), or undefined.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Where Debian's package puts Chromium; `DSI_CHROMIUM` names another. */
export const CHROMIUM = process.env['DSI_CHROMIUM'] ?? '/usr/bin/chromium';

export const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test-artifacts/dashboard');

/** Why the browser tests cannot run here, or undefined when they can. */
export function browserMissing(): string | undefined {
  return fs.existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM}: run "sudo apt-get install -y chromium" (scripts/setup.sh does as root) or set DSI_CHROMIUM`;
}

/** A headless Chromium that makes no connection of its own (no updates, sync or lookups). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** Saves a full-page screenshot of `page` as `name`.png among the artifacts; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Collects the page's console errors and failed requests, to assert none happened. */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    if (!/net::ERR_ABORTED/.test(r.failure()?.errorText ?? '')) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`);
  });
  return problems;
}
