/**
 * Issue 14, "The live dashboard", in a real browser: headless Chromium (Debian's `chromium`; .ci/run
 * installs it when missing) driven by playwright-core opens /dashboard, signs in with the shared
 * identity, shows the panels, follows a REST write within a second, loads without a failed request or a
 * console error, and signs out when the session is revoked. A screenshot goes to tests/artifacts/.
 *
 * Without a Chromium on the machine the browser part cannot run: it fails when DASHBOARD_BROWSER_REQUIRED
 * is set (CI), and is skipped with a message otherwise (a fresh machine's `npm test`).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { browserTest, haveBrowser, launchBrowser, watchPage } from './support/browser';
import { cookieFrom, createUser, startTestServer, TestServer, TestUser } from './support/server';
import { api, conductUser, grantEventRole, reportBody, seedEvent } from './conduct.helpers';

// what the functions run in the page use (the tests' TypeScript has no DOM library)
declare const document: { querySelector(selector: string): { textContent: string | null } | null };
declare const sessionStorage: { getItem(key: string): string | null };

const browserIt = browserTest('dashboard.test');

let s: TestServer;
let admin: TestUser;
let browser: Browser | undefined;

const today = () => new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  s = await startTestServer();
  admin = await createUser(s);
  if (haveBrowser) {
    browser = await launchBrowser();
  }
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

/** A page that records every failed request and console error. */
async function openPage(): Promise<{ page: Page; problems: string[] }> {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = watchPage(page);
  return { page, problems };
}

async function signIn(page: Page, user: TestUser): Promise<void> {
  await page.goto(`${s.url}/dashboard/`);
  await page.fill('input[name=login]', user.username);
  await page.fill('input[name=password]', user.password);
  await page.click('#sign-in button[type=submit]');
  await page.waitForSelector('body[data-ready=true]', { timeout: 10_000 });
  expect(await page.isVisible('#sign-in')).toBe(false);
  expect(await page.isVisible('#panels')).toBe(true);
}

it('serves the page and its assets with a content security policy, without a CDN', async () => {
  const page = await fetch(`${s.url}/dashboard/`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/text\/html/);
  expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
  const html = await page.text();
  expect(html).not.toMatch(/https?:\/\//);
  // documents.mjs: the page's GraphQL documents (the trusted-documents manifest reads the same module)
  for (const asset of ['dashboard.js', 'dashboard.css', 'documents.mjs']) {
    const res = await fetch(`${s.url}/dashboard/${asset}`);
    expect(res.status).toBe(200);
    if (asset.endsWith('js')) expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(await res.text()).not.toMatch(/src=["']https?:|import .* from ["']https?:/);
  }
  expect((await fetch(`${s.url}/dashboard/nope.js`)).status).toBe(404);
});

browserIt(
  'signs in, shows the panels, follows a REST write within a second, and signs out when the session is revoked',
  async () => {
    const login = await s.rest('POST', '/coparent/api/auth/login', { body: { username: admin.username, password: admin.password } });
    const cookie = cookieFrom(login.headers)!;
    const first = await s.rest('POST', '/coparent/api/items', { cookie, body: { date: today(), type: 'EVENT', title: 'Dentist at nine', body: '' } });
    expect(first.status).toBe(200);

    const { page, problems } = await openPage();
    try {
      await signIn(page, admin);
      await expect(page.textContent('#panel-coparent')).resolves.toContain('Dentist at nine');
      await expect(page.textContent('#panel-compass')).resolves.toMatch(/users answered/);
      await expect(page.textContent('#panel-cake')).resolves.toMatch(/Upcoming/);
      await expect(page.textContent('#panel-conduct')).resolves.toMatch(/no role|Conduct/);
      // the link is up before the write (the subscriptions are registered a moment after the ack)
      await page.waitForSelector('#link.up');
      await page.waitForTimeout(300);

      // the page follows within a second of the write's answer (the waits fail past it)
      const created = await s.rest('POST', '/coparent/api/items', { cookie, body: { date: today(), type: 'NOTE', title: 'Pick up the bike', body: '' } });
      expect(created.status).toBe(200);
      await page.waitForFunction(() => document.querySelector('#panel-coparent')?.textContent?.includes('Pick up the bike'), undefined, { timeout: 1000 });

      mkdirSync(join(__dirname, 'artifacts'), { recursive: true });
      await page.screenshot({ path: join(__dirname, 'artifacts', 'dashboard.png'), fullPage: true });
      expect(problems).toEqual([]);

      // the session revoked elsewhere: the page signs out
      const token = await page.evaluate(() => sessionStorage.getItem('interchange.dashboard.token'));
      expect(token).toBeTruthy();
      const out = await s.gql('mutation DashboardTestLogout { logout }', {}, { token: token! });
      expect(out.errors).toBeUndefined();
      await page.waitForSelector('#sign-in', { state: 'visible', timeout: 5000 });
      expect(await page.isVisible('#panels')).toBe(false);
      await expect(page.textContent('#sign-in-error')).resolves.toContain('session ended');
    } finally {
      await page.close();
    }
  },
  60_000,
);

browserIt(
  'shows conduct reports by state per event and the newest notifications, following a report filed over REST within a second',
  async () => {
    const event = await seedEvent(s, { name: 'Dashboard Conf' });
    await grantEventRole(s, admin.id, event.id, 'Admin');
    const reporter = await conductUser(s);
    await grantEventRole(s, reporter.id, event.id, 'Reporter');
    const first = await api(s, 'POST', `/api/events/slug/${event.slug}/reports`, { cookie: reporter.cookie, body: reportBody({ title: 'Shouting at the registration desk' }) });
    expect(first.status).toBe(201);

    const { page, problems } = await openPage();
    try {
      await signIn(page, admin);
      await expect(page.textContent('#panel-conduct')).resolves.toContain('Dashboard Conf');
      await expect(page.textContent('#panel-conduct')).resolves.toContain('1 reports');
      await expect(page.textContent('#panel-conduct')).resolves.toContain('Shouting at the registration desk');
      expect(await page.isVisible('#panel-conduct svg[aria-label="reports by state"] rect[data-state=submitted]')).toBe(true);
      await expect(page.textContent('#panel-notifications')).resolves.toContain('New Report Submitted');
      await page.waitForSelector('#link.up');
      await page.waitForTimeout(300);

      // each panel follows within a second of the write's answer (both waits run from it)
      const second = await api(s, 'POST', `/api/events/slug/${event.slug}/reports`, { cookie: reporter.cookie, body: reportBody({ title: 'Photos taken without consent' }) });
      expect(second.status).toBe(201);
      await Promise.all([
        page.waitForFunction(() => (document.querySelector('#panel-conduct')?.textContent ?? '').includes('Photos taken without consent'), undefined, { timeout: 1000 }),
        page.waitForFunction(() => (document.querySelector('#panel-notifications')?.textContent ?? '').includes('2 unread'), undefined, { timeout: 1000 }),
      ]);
      await expect(page.textContent('#panel-conduct')).resolves.toContain('2 reports');

      mkdirSync(join(__dirname, 'artifacts'), { recursive: true });
      await page.screenshot({ path: join(__dirname, 'artifacts', 'dashboard-conduct.png'), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  },
  60_000,
);

browserIt(
  'shows a user without access to an application that panel as not available, and refuses a wrong password',
  async () => {
    const plain = await createUser(s);
    const { page } = await openPage();
    try {
      await page.goto(`${s.url}/dashboard/`);
      await page.fill('input[name=login]', plain.username);
      await page.fill('input[name=password]', 'not the password');
      await page.click('#sign-in button[type=submit]');
      await page.waitForFunction(() => (document.querySelector('#sign-in-error')?.textContent ?? '').length > 0, undefined, { timeout: 5000 });
      await signIn(page, plain);
      // coparent is household-scoped and compass analytics are for admins: neither shows their data
      await expect(page.textContent('#panel-coparent')).resolves.toContain('Not available for this account.');
      await expect(page.textContent('#panel-compass')).resolves.toContain('Not available for this account.');
    } finally {
      await page.close();
    }
  },
  60_000,
);
