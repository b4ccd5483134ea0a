/**
 * The operator's front door (GET /, src/server/front-door.ts) and the GraphQL IDE knob (GRAPHQL_IDE,
 * src/server/graphql-ide.ts), through real servers: content negotiation, every link answering, the
 * policy headers, the root-mounted legacy surface keeping its own `GET /`, and GraphiQL served from npm
 * assets running a query, a signed-in query (session cookie) and a subscription (graphql-ws) in headless
 * Chromium without one failed request or console error.
 *
 * Without a Chromium on the machine the browser part is skipped with a message, as in dashboard.test.ts
 * (it fails instead when DASHBOARD_BROWSER_REQUIRED is set: CI).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { browserTest, haveBrowser, launchBrowser, watchPage } from './support/browser';
import { ConfigError, loadConfig } from '../src/config';
import type { FrontDoorInfo } from '../src/server/front-door';
import { surfaces } from '../src/rest/surfaces';
import { FrontDoorTestCreateGroupDocument } from '../src/generated/graphql';
import { cookieFrom, createUser, startTestServer, testConfig, TestServer, TestUser } from './support/server';

/** The surfaces' docs pages are built on another branch: flip once they are merged, and their links are checked too. */
const DOCS_PAGES_EXIST = true;

// This file's operations; codegen generates the typed `FrontDoorTest…Document`s used below from them.
/* GraphQL */ `
  mutation FrontDoorTestCreateGroup($input: CreateCakeGroupInput!) { createCakeGroup(input: $input) { id name } }
`;

// what the functions run in the page use (the tests' TypeScript has no DOM library)
interface EditorElement {
  CodeMirror: { setValue(text: string): void; getValue(): string };
}
declare const document: { querySelector(selector: string): (EditorElement & { textContent: string | null }) | null };

const browserIt = browserTest('front-door.test');

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

async function frontDoorJson(s: TestServer): Promise<FrontDoorInfo> {
  const res = await fetch(`${s.url}/`, { headers: { accept: 'application/json' } });
  expect(res.status).toBe(200);
  return (await res.json()) as FrontDoorInfo;
}

/** Every path the JSON links, the docs pages only once they exist. */
function linksOf(info: FrontDoorInfo): string[] {
  return [
    info.graphql.endpoint,
    ...info.surfaces.flatMap((x) => [x.openapi, ...(DOCS_PAGES_EXIST ? [x.docs] : [])]),
    info.dashboard,
    info.health,
    info.readiness,
    ...(info.metrics ? [info.metrics] : []),
  ];
}

describe('GRAPHQL_IDE', () => {
  it('defaults to sandbox and accepts graphiql and off', () => {
    expect(testConfig().graphqlIde).toBe('sandbox');
    expect(testConfig({ GRAPHQL_IDE: 'graphiql' }).graphqlIde).toBe('graphiql');
    expect(testConfig({ GRAPHQL_IDE: 'off' }).graphqlIde).toBe('off');
  });

  it('refuses any other value with a message naming the variable and its values', () => {
    for (const bad of ['graphql', 'GraphiQL', 'none', ' sandbox']) {
      expect(() => loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'x'.repeat(40), GRAPHQL_IDE: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'x'.repeat(40), GRAPHQL_IDE: bad })).toThrow(`GRAPHQL_IDE must be one of sandbox, graphiql, off, got "${bad}"`);
    }
  });
});

describe('the front door with GraphiQL and metrics', () => {
  let s: TestServer;
  let admin: TestUser;
  let browser: Browser | undefined;

  beforeAll(async () => {
    s = await startTestServer({ GRAPHQL_IDE: 'graphiql', METRICS_ENABLED: 'true' });
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
  async function openPage(cookie?: string): Promise<{ page: Page; problems: string[] }> {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
    if (cookie) {
      const [name, value] = cookie.split('=');
      await context.addCookies([{ name, value, url: s.url }]);
    }
    const page = await context.newPage();
    const problems = watchPage(page);
    return { page, problems };
  }

  it('answers JSON to API clients: version, mode and every link', async () => {
    for (const accept of ['application/json', '*/*', undefined]) {
      const res = await fetch(`${s.url}/`, { headers: accept ? { accept } : {} });
      expect([accept, res.status]).toEqual([accept, 200]);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('vary')).toMatch(/\bAccept\b/);
    }
    const info = await frontDoorJson(s);
    expect(info).toEqual({
      name: 'interchange',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      mode: 'test',
      graphql: { endpoint: '/graphql', ide: 'graphiql' },
      surfaces: surfaces.map((x) => ({ name: x.id, title: x.title, prefix: `/${x.id}`, docs: `/${x.id}/docs`, openapi: `/${x.id}/openapi.json` })),
      dashboard: '/dashboard/',
      health: '/healthz',
      readiness: '/readyz',
      metrics: '/metrics',
    });
  });

  it('every link answers 200 (the docs pages once DOCS_PAGES_EXIST)', async () => {
    const info = await frontDoorJson(s);
    const links = linksOf(info);
    expect(links.length).toBeGreaterThanOrEqual(surfaces.length + 5);
    for (const path of links) {
      // as a browser follows them from the page (GET /graphql is the IDE for a browser)
      const res = await fetch(`${s.url}${path}`, { headers: { accept: BROWSER_ACCEPT } });
      expect([path, res.status]).toEqual([path, 200]);
    }
  });

  it('answers a page to browsers, with a policy that allows nothing but its own style', async () => {
    const res = await fetch(`${s.url}/`, { headers: { accept: BROWSER_ACCEPT } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('vary')).toMatch(/\bAccept\b/);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/]+=*'(;|$)/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|script-src/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/https?:\/\//);
    const info = await frontDoorJson(s);
    for (const path of [...linksOf(info), ...info.surfaces.map((x) => x.docs)]) expect(html).toContain(`href="${path}"`);
    for (const x of info.surfaces) expect(html).toContain(`<code>${x.prefix}/…</code>`);
    expect(html).toContain(info.version);
    // HEAD as well (a link checker's request)
    expect((await fetch(`${s.url}/`, { method: 'HEAD' })).status).toBe(200);
  });

  it('leaves unknown paths as they were', async () => {
    const res = await fetch(`${s.url}/nothing-here`, { headers: { accept: BROWSER_ACCEPT } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'Not found' });
    expect((await fetch(`${s.url}/graphql/ide/not-an-asset.js`)).status).toBe(404);
    // nothing of node_modules beyond the listed files
    expect((await fetch(`${s.url}/graphql/ide/graphql-ws/server.js`)).status).toBe(404);
    expect((await fetch(`${s.url}/graphql/ide/..%2fpackage.json`)).status).toBe(404);
  });

  it('still answers GraphQL at /graphql for API clients', async () => {
    const post = await s.gql<unknown>('{ __typename }');
    expect(post.data).toEqual({ __typename: 'Query' });
    const get = await fetch(`${s.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, { headers: { accept: 'application/json', 'apollo-require-preflight': 'true' } });
    expect(await get.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('answers a subscription sent over HTTP (as GraphiQL does when a click beats its parse) with a clear 400', async () => {
    const res = await s.gql<unknown>(
      'subscription FrontDoorTestOverHttp { cakeGroupChanged { kind } }',
      {},
      { token: admin.token, headers: { accept: 'application/graphql-response+json' } },
    );
    expect(res.status).toBe(400);
    expect(res.data).toBeUndefined();
    expect(res.errors).toEqual([{ message: 'Subscriptions are served over graphql-ws (WebSocket) on /graphql, not over HTTP', extensions: { code: 'BAD_REQUEST' } }]);
  });

  it('serves GraphiQL from its own assets, no CDN', async () => {
    const res = await fetch(`${s.url}/graphql`, { headers: { accept: BROWSER_ACCEPT } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'(;|$)/);
    const html = await res.text();
    expect(html).not.toMatch(/https?:\/\//);
    const assets = [...html.matchAll(/(?:src|href)="(\/graphql\/ide\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBe(6);
    for (const path of assets) {
      const asset = await fetch(`${s.url}${path}`);
      expect([path, asset.status]).toEqual([path, 200]);
      expect(asset.headers.get('content-type')).toMatch(path.endsWith('.css') ? /^text\/css/ : /javascript/);
    }
  });

  browserIt(
    'the front door page shows in a browser without a blocked style or a failed request',
    async () => {
      const { page, problems } = await openPage();
      try {
        await page.goto(`${s.url}/`);
        await expect(page.textContent('h1')).resolves.toBe('interchange');
        // the inline stylesheet applied (a blocked one leaves the default 8px body margin and full width)
        const width = await page.evaluate(() => (document.querySelector('body') as unknown as { clientWidth: number }).clientWidth);
        expect(width).toBeLessThan(800);
        expect(problems).toEqual([]);
      } finally {
        await page.context().close();
      }
    },
    30_000,
  );

  browserIt(
    'GraphiQL loads without a failed request or console error and runs { __typename }, a signed-in query and a subscription',
    async () => {
      const login = await s.rest('POST', '/coparent/api/auth/login', { body: { username: admin.username, password: admin.password } });
      const cookie = cookieFrom(login.headers)!;
      expect(cookie).toBeTruthy();
      const { page, problems } = await openPage(cookie);
      const run = async (query: string) => {
        await page.evaluate((q) => document.querySelector('.graphiql-query-editor .CodeMirror')!.CodeMirror.setValue(q), query);
        // GraphiQL parses the editor 100 ms after a change (debounced) and picks HTTP or ws from that parse: a
        // click before it would send a subscription over HTTP, which no person typing does
        await page.waitForTimeout(400);
        await page.click('.graphiql-execute-button');
      };
      const response = () => page.evaluate(() => document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue() ?? '');
      try {
        await page.goto(`${s.url}/graphql`);
        await page.waitForSelector('.graphiql-query-editor .CodeMirror', { timeout: 20_000 });

        await run('{ __typename }');
        await page.waitForFunction(() => /"__typename": "Query"/.test(document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue() ?? ''), undefined, {
          timeout: 10_000,
        });
        expect(JSON.parse(await response())).toEqual({ data: { __typename: 'Query' } });

        // the session cookie rides along on the IDE's fetches
        await run('{ me { username } }');
        await page.waitForFunction((u) => (document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue() ?? '').includes(u), admin.username, { timeout: 10_000 });
        expect(JSON.parse(await response())).toEqual({ data: { me: { username: admin.username } } });

        // a subscription over graphql-ws, authenticated by the same cookie at the upgrade (admins see every group)
        await run('subscription { cakeGroupChanged { kind group { name } } }');
        // the socket opens and the subscription registers a moment after the click
        await page.waitForTimeout(1000);
        const created = await s.gql(FrontDoorTestCreateGroupDocument, { input: { name: 'Front door bakers' } }, { token: admin.token });
        expect(created.errors).toBeUndefined();
        await page.waitForFunction(() => (document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue() ?? '').includes('Front door bakers'), undefined, {
          timeout: 10_000,
        });
        expect(JSON.parse(await response())).toEqual({ data: { cakeGroupChanged: { kind: 'CREATED', group: { name: 'Front door bakers' } } } });

        mkdirSync(join(__dirname, 'artifacts'), { recursive: true });
        await page.screenshot({ path: join(__dirname, 'artifacts', 'graphiql.png') });
        expect(problems).toEqual([]);
      } finally {
        await page.context().close();
      }
    },
    60_000,
  );
});

describe('the front door with Sandbox and a root-mounted surface without GET / (COMPAT_ROOT=compass)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ COMPAT_ROOT: 'compass' });
  }, 60_000);
  afterAll(() => s?.close());

  it('answers at / (compass has no GET / of its own), with no metrics link while metrics are off', async () => {
    const info = await frontDoorJson(s);
    expect(info.compatRoot).toBe('compass');
    expect(info.graphql).toEqual({ endpoint: '/graphql', ide: 'sandbox' });
    expect(info.metrics).toBeUndefined();
    expect((await fetch(`${s.url}/metrics`)).status).toBe(404);
    for (const path of linksOf(info)) {
      const res = await fetch(`${s.url}${path}`, { headers: { accept: BROWSER_ACCEPT } });
      expect([path, res.status]).toEqual([path, 200]);
    }
    const page = await fetch(`${s.url}/`, { headers: { accept: BROWSER_ACCEPT } });
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it("keeps the root-mounted surface's routes and its 404 for unknown paths", async () => {
    expect((await fetch(`${s.url}/api/health`)).status).toBe(200);
    expect((await fetch(`${s.url}/openapi.json`)).status).toBe(200);
    const unknown = await fetch(`${s.url}/nothing-here`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ status: 'error', status_code: 404 });
  });

  it("GET /graphql in a browser is Apollo's Sandbox page, as before", async () => {
    const res = await fetch(`${s.url}/graphql`, { headers: { accept: BROWSER_ACCEPT } });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/sandbox/i);
    // GraphiQL's assets are not served in this mode
    expect((await fetch(`${s.url}/graphql/ide/graphiql.min.js`)).status).not.toBe(200);
  });
});

describe('GRAPHQL_IDE=off with a root-mounted surface that has its own GET / (COMPAT_ROOT=conduct)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ COMPAT_ROOT: 'conduct', GRAPHQL_IDE: 'off' });
  }, 60_000);
  afterAll(() => s?.close());

  it("leaves / to conduct's documented API status, for browsers and API clients alike", async () => {
    for (const accept of [BROWSER_ACCEPT, 'application/json']) {
      const res = await fetch(`${s.url}/`, { headers: { accept } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      // a fresh database: no account yet (conduct.md)
      expect(await res.json()).toEqual({ firstUserNeeded: true });
    }
    // the prefixed surface answers the same
    expect(await (await fetch(`${s.url}/conduct/`)).json()).toEqual({ firstUserNeeded: true });
  });

  it('serves no IDE page: a browser GET /graphql is answered like any request without a query', async () => {
    const browser = await fetch(`${s.url}/graphql`, { headers: { accept: BROWSER_ACCEPT } });
    // the same request but for its Accept (application/json alone would turn the 400 into a legacy 200: server.ts)
    const api = await fetch(`${s.url}/graphql`, { headers: { accept: 'application/graphql-response+json' } });
    expect(browser.headers.get('content-type')).not.toMatch(/text\/html/);
    expect(browser.status).toBe(api.status);
    expect(browser.status).toBe(400);
    const body = await browser.text();
    expect(body).not.toMatch(/<html/i);
    expect(JSON.parse(body)).toEqual(JSON.parse(await api.text()));
    expect((await fetch(`${s.url}/graphql/ide/graphiql.min.js`)).status).not.toBe(200);
  });
});
