/**
 * The docs page of every surface (GET /<surface>/docs, src/rest/engine/docs.ts) in headless Chromium
 * (driven by playwright-core, like tests/dashboard.test.ts): Swagger UI from the npm package under a
 * strict CSP loads without a failed request or a console error, and an operation shows the GraphQL
 * document it runs. With COMPAT_ROOT the root mount does not grow a /docs page.
 */
import type { Browser, Page } from 'playwright-core';
import { browserTest, haveBrowser, launchBrowser, watchPage } from './support/browser';
import { surfaces } from '../src/rest/surfaces';
import { startTestServer, TestServer } from './support/server';

const browserIt = browserTest('openapi-docs.test');

let s: TestServer;
let browser: Browser | undefined;

beforeAll(async () => {
  s = await startTestServer({ COMPAT_ROOT: 'coparent' });
  if (haveBrowser) {
    browser = await launchBrowser();
  }
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

/** A page that records every failed request and console error. */
async function openPage(): Promise<{ page: Page; problems: string[]; urls: string[] }> {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = watchPage(page);
  const urls: string[] = [];
  page.on('request', (r) => urls.push(r.url()));
  return { page, problems, urls };
}

describe.each(surfaces.map((x) => x.id))('the %s docs page', (id) => {
  it('is served with a strict CSP, no inline script and no CDN', async () => {
    const res = await fetch(`${s.url}/${id}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await res.text();
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script>[^<]/);
    for (const asset of ['swagger-ui-bundle.js', 'swagger-ui.css', 'api-docs.js', 'api-docs.css']) {
      expect([asset, (await fetch(`${s.url}/${id}/docs/assets/${asset}`)).status]).toEqual([asset, 200]);
    }
    // nothing else of the package, nor any path outside it
    expect((await fetch(`${s.url}/${id}/docs/assets/index.html`)).status).toBe(404);
    expect((await fetch(`${s.url}/${id}/docs/assets/..%2Fpackage.json`)).status).toBe(404);
  });

  browserIt(
    'loads in Chromium without a failed request or a console error and shows an operation with its GraphQL document',
    async () => {
      const { page, problems, urls } = await openPage();
      try {
        await page.goto(`${s.url}/${id}/docs`);
        await page.waitForSelector('.opblock', { timeout: 20_000 });
        // open the first operation that runs GraphQL: its description shows the document
        const block = page.locator('.opblock', { has: page.locator('.opblock-summary-operation-id') }).first();
        await block.locator('.opblock-summary-control').first().click();
        const description = block.locator('.opblock-description').first();
        await description.waitFor({ timeout: 10_000 });
        const text = (await description.textContent()) ?? '';
        expect(text).toMatch(/Runs the GraphQL (query|mutation|subscription)/);
        expect(text).toMatch(/(query|mutation|subscription) [A-Z]\w+/);
        await page.waitForTimeout(300);
        expect(problems).toEqual([]);
        expect(urls.every((u) => u.startsWith(s.url) || u.startsWith('data:'))).toBe(true);
      } finally {
        await page.close();
      }
    },
    60_000,
  );
});

it('the root mount (COMPAT_ROOT) keeps /docs for the legacy application: no docs page there', async () => {
  const res = await fetch(`${s.url}/docs`);
  expect(res.status).toBe(404);
  expect(await res.json()).toEqual({ error: expect.any(String) });
  // the prefixed page is still there, and its legacy routes at the root too
  expect((await fetch(`${s.url}/coparent/docs`)).status).toBe(200);
  expect((await fetch(`${s.url}/api/health`)).status).toBe(200);
});
