/**
 * Headless Chromium for the browser tests (dashboard, docs pages, front door and GraphiQL), driven by
 * playwright-core: Debian's `chromium` (.ci/run installs it when missing; CHROMIUM_PATH overrides). Without
 * it the browser tests are skipped with a warning, unless DASHBOARD_BROWSER_REQUIRED (CI) makes that an error.
 */
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const haveBrowser = existsSync(CHROMIUM);

/** `it` when there is a browser, `it.skip` (with a warning naming the suite) otherwise. */
export function browserTest(suite: string): jest.It {
  if (!haveBrowser) {
    if (process.env.DASHBOARD_BROWSER_REQUIRED) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium)`);
    console.warn(`[${suite}] no Chromium at ${CHROMIUM}: the browser tests are SKIPPED (apt-get install chromium, or set CHROMIUM_PATH)`);
  }
  return haveBrowser ? it : it.skip;
}

/** A browser that reaches nothing but the test server (no background networking, no updates). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Records what a page got wrong: failed requests, HTTP errors, console errors and uncaught page errors. */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return problems;
}
